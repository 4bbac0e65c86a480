// Package server is capstan's API server process: a Kubernetes-compatible
// REST and watch API (server/apiserver) over etcd (embedded by default),
// with TLS and bearer tokens from the first start, and a leader-elected
// loop that drives the core control-plane machine (server/controlplane).
//
//	data-dir/
//	  pki/ca.crt, ca.key, serving.crt, serving.key   server/pki
//	  tokens                                         server/auth (0600)
//	  admin.kubeconfig                               for kubectl and capstan (0600)
//	  etcd/                                          the embedded etcd member
//
// It imports core and never nodeagent or wasm.
package server
