// Package simnodes registers simulated nodes with a capstan (or any
// Kubernetes-compatible) API server, through the REST API only, so that the
// scheduler has somewhere to bind pods without real node agents.
//
// Start registers N Nodes (capacity cpu/memory/pods, labels
// kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch and
// capstan.dev/simulated=true, a Ready condition; node i has the pod range
// 10.(64+i/256).(i%256).0/24 and the InternalIP 172.16.0.0/12's (i+1)-th
// address), creates each node's Lease in kube-node-lease, and then, until
// stopped:
//
//   - renews every Lease each RenewInterval (10s), as the kubelet does;
//   - reposts a node's status when its Ready condition is not True (the node
//     lifecycle controller marked it Unknown) or its heartbeat is older than
//     a minute;
//   - with RunPods, acts as a minimal kubelet by a simple rule: a pod bound to
//     one of its nodes is reported Running and Ready at once, with the
//     lowest free address of its node's range (kept while the pod exists;
//     a relist after a restart learns the addresses pods hold) and the
//     node's address as hostIP, every container running (no image is
//     pulled, nothing runs, nothing answers on the address; a container never
//     exits, whatever its restart policy), and a bound pod being deleted is
//     deleted for good at once (grace period 0), as the kubelet does when
//     its containers have stopped. That is enough for Deployments to become
//     available and for rollouts, scale-downs and evictions to complete.
//
// The capstan CLI runs it as `capstan sim-nodes N`; tests call Start.
package simnodes
