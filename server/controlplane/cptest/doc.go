// Package cptest helps test the control plane of a real server: fake nodes
// (Node objects that report Ready, with Leases renewed through core/registry
// over the server's store; they run no pods, they give the scheduler
// somewhere to bind them), a Deployment manifest, and a recorder that
// follows every pod's binding through a watch and checks that no pod is
// ever bound twice.
package cptest
