// Package model holds the reference specifications that checks compare
// the core against: the named safety and liveness invariants, an obviously
// correct (slow) reference scheduler, and porcupine models of the store.
// Each specification is small and readable, and commented with the
// semantics it encodes.
//
// The specifications arrive with the checks issue; until then the package
// is empty on purpose. It may import core/api and nothing else of capstan.
package model
