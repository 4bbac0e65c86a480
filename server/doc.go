// Package server is capstan's API server: a Kubernetes-compatible REST and
// watch API over etcd (embedded by default), with authentication and a
// leader-elected loop that drives the core control-plane machine.
//
// It arrives with the server issue; until then the package is empty on
// purpose. It imports core and never nodeagent or wasm.
package server
