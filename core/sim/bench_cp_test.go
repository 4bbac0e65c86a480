package sim

import "testing"

// benchControlPlane measures the control plane alone: the registry, the
// store, the Deployment and ReplicaSet controllers and the scheduler, from
// the apply of deps Deployments to every pod bound. The nodes register and
// are Ready, then their machines stop (as Kubernetes' scheduler_perf runs
// without kubelets): nothing starts a container or writes a pod status, so
// the figures are those of "pods through controllers + scheduler + store"
// that the end-to-end BenchmarkSim* figures include along with the node
// machines and the fake runtime. The Nodes stay Ready: their Leases would
// expire only after the node monitor's 40 s grace, and the run lasts
// about a second of virtual time.
func benchControlPlane(b *testing.B, nodes, deps, replicas int) {
	benchSim(b, nodes, deps, replicas, true)
}

// The sizes of BenchmarkSim*: 30 pods per node, Deployments of 100
// replicas.
func BenchmarkControlPlane10k(b *testing.B)  { benchControlPlane(b, 334, 100, 100) }
func BenchmarkControlPlane50k(b *testing.B)  { benchControlPlane(b, 1667, 500, 100) }
func BenchmarkControlPlane150k(b *testing.B) { benchControlPlane(b, 5000, 1500, 100) }
