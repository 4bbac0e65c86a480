// Package nodeagent is capstan's node agent: it registers its node, renews
// the node's Lease, watches the pods bound to it and runs the core node
// machine against containerd.
//
// It arrives with the node agent issue; until then the package is empty on
// purpose. It imports core and never server or wasm.
package nodeagent
