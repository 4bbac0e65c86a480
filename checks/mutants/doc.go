// Package mutants is capstan's catalog of planted bugs: deliberate, small,
// realistic mistakes in core/ (an off-by-one in maxSurge, a skipped taint
// check, a watch that drops an event, ...), each with the checks that must
// catch it.
//
// A planted bug is a patch given as data: a file, a snippet that occurs in
// it exactly once, and its replacement. Nothing in the tree is ever edited:
// tools/mutants (`make mutants`) writes the mutated file to a temporary
// directory and runs `go test -overlay` so the compiler sees the mutant
// instead of the real file, then reports which check failed.
//
//	Catalog ──▶ tools/mutants ──▶ go test -overlay {file: mutated copy}
//	                                   │
//	                      caught (a test failed) │ survived (all passed)
//	                      invalid (did not build)
//
// `make mutants` passes only when every planted bug is caught. The
// package's own test (part of `make test`) keeps the catalog from rotting as
// core/ changes: every snippet must still occur exactly once and the
// mutated file must still parse.
package mutants
