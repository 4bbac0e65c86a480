package checks

import (
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// Each invariant of model/ on a tiny case that breaks it (with the exact
// violation text, which is stable) and one that keeps it.

type invariantCase struct {
	name string
	bad  func() []model.Violation
	want string // model.Describe of bad's result
	good func() []model.Violation
}

func TestInvariants(t *testing.T) {
	for _, c := range invariantCases() {
		t.Run(c.name, func(t *testing.T) {
			if got := model.Describe(c.bad()); got != c.want {
				t.Errorf("violating case:\ngot:\n%swant:\n%s", got, c.want)
			}
			if got := c.good(); len(got) != 0 {
				t.Errorf("good case reported:\n%s", model.Describe(got))
			}
		})
	}
}

func invariantCases() []invariantCase {
	notReadyTaint := api.Taint{Key: "dedicated", Value: "db", Effect: api.TaintEffectNoSchedule}
	return []invariantCase{
		{
			name: "NoOvercommit",
			bad: func() []model.Violation {
				return model.NoOvercommit(model.NewSnapshot(mkNode("n1", "1", "1Gi", "2", true),
					mkPod("default", "a", onNode("n1"), requesting("500m", "512Mi")),
					mkPod("default", "b", onNode("n1"), requesting("600m", "")),
					mkPod("default", "c", onNode("n1"), requesting("", "600Mi"), withLabels("being", "deleted"), func(p *api.Pod) { ts := api.Unix(1, 0); p.DeletionTimestamp = &ts })))
			},
			want: "NoOvercommit: Node n1: 3 pods, allocatable 2 (default/a, default/b, default/c)\n" +
				"NoOvercommit: Node n1: pods request 1100m cpu, allocatable 1000m (default/a, default/b, default/c)\n" +
				"NoOvercommit: Node n1: pods request 1166016512 bytes of memory, allocatable 1073741824 (default/a, default/b, default/c)\n",
			good: func() []model.Violation {
				return model.NoOvercommit(model.NewSnapshot(mkNode("n1", "1", "1Gi", "2", true),
					mkPod("default", "a", onNode("n1"), requesting("500m", "512Mi")),
					mkPod("default", "b", onNode("n1"), requesting("500m", "512Mi")),
					mkPod("default", "done", onNode("n1"), requesting("4", "8Gi"), inPhase(api.PodSucceeded)),
					mkPod("default", "elsewhere", onNode("gone"), requesting("4", "8Gi")),
					mkPod("default", "pending", requesting("4", "8Gi"))))
			},
		},
		{
			name: "NodeNameNeverChanges",
			bad: func() []model.Violation {
				p := mkPod("default", "p")
				return model.NodeNameNeverChanges(historyOf(added(p), modified(mkPod("default", "p", onNode("n1"))),
					modified(mkPod("default", "p", onNode("n2"))), modified(mkPod("default", "p"))))
			},
			want: "NodeNameNeverChanges: Pod default/p: nodeName changed from \"n1\" to \"\" at revision 5\n" +
				"NodeNameNeverChanges: Pod default/p: nodeName changed from \"n1\" to \"n2\" at revision 4\n",
			good: func() []model.Violation {
				return model.NodeNameNeverChanges(historyOf(added(mkPod("default", "p")), modified(mkPod("default", "p", onNode("n1"))),
					modified(mkPod("default", "p", onNode("n1"), inPhase(api.PodSucceeded))), deleted(mkPod("default", "p", onNode("n1"))),
					added(mkPod("default", "p", onNode("n2"))), modified(mkPod("default", "p", onNode("n2"), withIP("10.0.0.1")))))
			},
		},
		{
			name: "BindingsWereFeasible",
			bad: func() []model.Violation {
				return model.BindingsWereFeasible(historyOf(added(mkNode("n1", "1", "1Gi", "10", true, notReadyTaint)), added(mkNode("n2", "1", "1Gi", "10", false)),
					added(mkPod("default", "a")), added(mkPod("default", "b")), added(mkPod("default", "c", requesting("2", ""))),
					modified(mkPod("default", "a", onNode("n1"))), modified(mkPod("default", "b", onNode("n2"))),
					modified(mkPod("default", "c", onNode("n3")))))
			},
			want: "BindingsWereFeasible: Pod default/a: bound to n1 at revision 7: node(s) had untolerated taint {dedicated: db}\n" +
				"BindingsWereFeasible: Pod default/b: bound to n2 at revision 8: node(s) had untolerated taint {node.kubernetes.io/not-ready: }\n" +
				"BindingsWereFeasible: Pod default/c: bound to n3 at revision 9: no such node\n",
			good: func() []model.Violation {
				n1 := mkNode("n1", "1", "1Gi", "10", true)
				return model.BindingsWereFeasible(historyOf(added(n1), added(mkPod("default", "a", requesting("1", ""))),
					modified(mkPod("default", "a", onNode("n1"), requesting("1", ""))),
					// Created bound (a static pod): never scheduled, out of scope.
					added(mkPod("default", "static", onNode("n1"), requesting("1", ""))),
					// The node going NotReady after the binding changes nothing.
					modified(mkNode("n1", "1", "1Gi", "10", false))))
			},
		},
		{
			name: "RollingUpdateBounds",
			bad: func() []model.Violation {
				objs := []api.Object{mkDeployment("web", 4), mkReplicaSet("web-old", "web", 2), mkReplicaSet("web-new", "web", 4)}
				objs = append(objs, replicaPods("web-old", "web", 2, ready("10.0.0.1"))...)
				objs = append(objs, replicaPods("web-new", "web", 4)...)
				return model.RollingUpdateBounds(model.NewSnapshot(objs...))
			},
			want: "RollingUpdateBounds: Deployment default/web: 2 pods available during a rollout, fewer than replicas 4 - maxUnavailable 1 (web-new=4 web-old=2)\n" +
				"RollingUpdateBounds: Deployment default/web: ReplicaSets ask for 6 pods, more than replicas 4 + maxSurge 1 (web-new=4 web-old=2)\n",
			good: func() []model.Violation {
				// Mid-rollout: 3 old ready, 2 new not yet; 5 <= 4+1, 3 >= 4-1.
				objs := []api.Object{mkDeployment("web", 4), mkReplicaSet("web-old", "web", 3), mkReplicaSet("web-new", "web", 2)}
				objs = append(objs, replicaPods("web-old", "web", 3, ready("10.0.0.1"))...)
				objs = append(objs, replicaPods("web-new", "web", 2)...)
				// A deployment still scaling up from nothing is no rollout.
				objs = append(objs, mkDeployment("db", 3), mkReplicaSet("db-1", "db", 3))
				return model.RollingUpdateBounds(model.NewSnapshot(objs...))
			},
		},
		{
			name: "ReplicaSetOwnsOnlyMatching",
			bad: func() []model.Violation {
				return model.ReplicaSetOwnsOnlyMatching(model.NewSnapshot(standaloneRS("web-1", "web"),
					mkPod("default", "stray", withLabels("app", "db"), ownedBy("ReplicaSet", "web-1")),
					mkPod("default", "twice", withLabels("app", "web"), ownedBy("ReplicaSet", "web-1"), ownedBy("ReplicaSet", "web-2"))))
			},
			want: "ReplicaSetOwnsOnlyMatching: Pod default/stray: controlled by ReplicaSet web-1 whose selector does not match labels map[app:db]\n" +
				"ReplicaSetOwnsOnlyMatching: Pod default/twice: 2 controller references\n",
			good: func() []model.Violation {
				return model.ReplicaSetOwnsOnlyMatching(model.NewSnapshot(standaloneRS("web-1", "web"),
					mkPod("default", "mine", withLabels("app", "web", "extra", "x"), ownedBy("ReplicaSet", "web-1")),
					mkPod("default", "orphan", withLabels("app", "db"), ownedBy("ReplicaSet", "gone")),
					mkPod("other", "elsewhere", withLabels("app", "db"), ownedBy("ReplicaSet", "web-1"))))
			},
		},
		{
			name: "PVBoundToAtMostOnePVC",
			bad: func() []model.Violation {
				c1, c2 := mkPVC("c1", "pv1", api.ClaimBound), mkPVC("c2", "pv1", api.ClaimBound)
				return model.PVBoundToAtMostOnePVC(model.NewSnapshot(mkPV("pv1", c1, api.VolumeBound), c1, c2,
					mkPV("pv2", nil, api.VolumeBound), mkPVC("c3", "", api.ClaimBound)))
			},
			want: "PVBoundToAtMostOnePVC: PersistentVolume pv1: claimed by default/c1, default/c2\n" +
				"PVBoundToAtMostOnePVC: PersistentVolume pv2: phase Bound without a claimRef\n" +
				"PVBoundToAtMostOnePVC: PersistentVolumeClaim default/c2: volumeName pv1, whose claimRef names default/c1 (uid \"uid-c1\")\n" +
				"PVBoundToAtMostOnePVC: PersistentVolumeClaim default/c3: phase Bound without a volumeName\n",
			good: func() []model.Violation {
				c1, c2, c3 := mkPVC("c1", "pv1", api.ClaimBound), mkPVC("c2", "", api.ClaimPending), mkPVC("c3", "pv3", api.ClaimPending)
				return model.PVBoundToAtMostOnePVC(model.NewSnapshot(mkPV("pv1", c1, api.VolumeBound), c1,
					// Half-way: the volume points at c2, c2 not yet at it.
					mkPV("pv2", c2, api.VolumeAvailable), c2,
					// Pre-bound: c3 names a free volume.
					mkPV("pv3", nil, api.VolumeAvailable), c3))
			},
		},
		{
			name: "EndpointsMatchSelector",
			bad: func() []model.Violation {
				web := mkPod("default", "web", withLabels("app", "web"), withIP("10.0.0.1"))
				db := mkPod("default", "db", withLabels("app", "db"), ready("10.0.0.2"))
				gone := mkPod("default", "gone", withLabels("app", "web"), ready("10.0.0.3"))
				return model.EndpointsMatchSelector(model.NewSnapshot(mkService("web", map[string]string{"app": "web"}), web, db,
					mkEndpoints("web", []*api.Pod{web, db, gone}, nil)))
			},
			want: "EndpointsMatchSelector: Endpoints default/web: address 10.0.0.2 is of pod db, whose labels map[app:db] do not match the selector map[app:web]\n" +
				"EndpointsMatchSelector: Endpoints default/web: address 10.0.0.3 is of pod gone, which does not exist\n" +
				"EndpointsMatchSelector: Endpoints default/web: ready address 10.0.0.1 is of pod web, which is not ready\n",
			good: func() []model.Violation {
				a := mkPod("default", "a", withLabels("app", "web"), ready("10.0.0.1"))
				b := mkPod("default", "b", withLabels("app", "web"), withIP("10.0.0.2"))
				return model.EndpointsMatchSelector(model.NewSnapshot(mkService("web", map[string]string{"app": "web"}), a, b,
					mkEndpoints("web", []*api.Pod{a}, []*api.Pod{b}),
					// A service without a selector: its Endpoints are the user's.
					mkService("manual", nil), mkEndpoints("manual", []*api.Pod{mkPod("default", "anything", withIP("10.9.9.9"))}, nil)))
			},
		},
		{
			name: "RevisionsIncrease",
			bad: func() []model.Violation {
				h := historyOf(added(mkPod("default", "a")), added(mkPod("default", "a")), deleted(mkPod("default", "b")))
				h[1].Revision = 2
				return model.RevisionsIncrease(h)
			},
			want: "RevisionsIncrease: /registry/pods/default/a: ADDED /registry/pods/default/a rev=2 carries resourceVersion \"3\"\n" +
				"RevisionsIncrease: /registry/pods/default/a: ADDED /registry/pods/default/a rev=2: added while present\n" +
				"RevisionsIncrease: /registry/pods/default/a: revision 2 follows 2\n",
			good: func() []model.Violation {
				return model.RevisionsIncrease(historyOf(added(mkPod("default", "a")), modified(mkPod("default", "a")), deleted(mkPod("default", "a")),
					added(mkPod("default", "a")), modified(mkPod("default", "b"))))
			},
		},
		{
			name: "WatchDeliversOnceInOrder",
			bad: func() []model.Violation {
				h := historyOf(added(mkPod("default", "a")), added(mkNode("n1", "1", "1Gi", "1", true)), added(mkPod("default", "b")), modified(mkPod("default", "a")), modified(mkPod("default", "b")))
				// Writes under /registry/pods/ from 3: b@4, a@5, b@6.
				return model.WatchDeliversOnceInOrder(h, model.WatchLog{Prefix: "/registry/pods/", From: 3, CaughtUp: true,
					Events: model.History{h[3], h[3], h[1]}})
			},
			want: "WatchDeliversOnceInOrder: watch /registry/pods/ from 3: 1 events never delivered, from MODIFIED /registry/pods/default/b rev=6\n" +
				"WatchDeliversOnceInOrder: watch /registry/pods/ from 3: ADDED /registry/nodes/n1 rev=3 delivered, but no such write under the prefix\n" +
				"WatchDeliversOnceInOrder: watch /registry/pods/ from 3: ADDED /registry/pods/default/b rev=4 skipped: MODIFIED /registry/pods/default/a rev=5 delivered next\n" +
				"WatchDeliversOnceInOrder: watch /registry/pods/ from 3: MODIFIED /registry/pods/default/a rev=5 delivered twice\n",
			good: func() []model.Violation {
				h := historyOf(added(mkPod("default", "a")), added(mkNode("n1", "1", "1Gi", "1", true)), added(mkPod("default", "b")), modified(mkPod("default", "a")))
				return append(model.WatchDeliversOnceInOrder(h, model.WatchLog{Prefix: "/registry/pods/", From: 3, CaughtUp: true, Events: model.History{h[2], h[3]}}),
					// Not caught up: a prefix is enough.
					model.WatchDeliversOnceInOrder(h, model.WatchLog{Prefix: "/registry/", From: 2, Events: model.History{h[0], h[1]}})...)
			},
		},
		{
			name: "DeploymentsAvailable",
			bad: func() []model.Violation {
				objs := []api.Object{mkNode("n1", "1", "1Gi", "10", true), mkDeployment("web", 3), mkReplicaSet("web-1", "web", 3), mkDeployment("db", 1), mkReplicaSet("db-1", "db", 1)}
				objs = append(objs, replicaPods("web-1", "web", 1, onNode("n1"), ready("10.0.0.1"))...)
				objs = append(objs, mkPod("default", "web-1-x", withLabels("app", "web"), ownedBy("ReplicaSet", "web-1")))
				objs = append(objs, replicaPods("db-1", "db", 2, onNode("n1"), ready("10.0.0.2"))...)
				return model.DeploymentsAvailable(model.NewSnapshot(objs...))
			},
			want: "DeploymentsAvailable: Deployment default/db: 2 active pods, want 1\n" +
				"DeploymentsAvailable: Deployment default/web: 1/3 available (2 active, 1 pending): web-1-x fits n1\n",
			good: func() []model.Violation {
				objs := []api.Object{mkNode("n1", "1", "1Gi", "10", true), mkDeployment("web", 3), mkReplicaSet("web-1", "web", 3)}
				objs = append(objs, replicaPods("web-1", "web", 2, onNode("n1"), ready("10.0.0.1"))...)
				// The third pod fits nowhere: the cluster lacks capacity.
				objs = append(objs, mkPod("default", "web-1-x", withLabels("app", "web"), ownedBy("ReplicaSet", "web-1"), requesting("2", "")))
				// A rollout stuck for room: db's new pod fits nowhere, so
				// its old one stays, one more active pod than replicas.
				objs = append(objs, mkDeployment("db", 1), mkReplicaSet("db-1", "db", 1), mkReplicaSet("db-2", "db", 1))
				objs = append(objs, replicaPods("db-1", "db", 1, onNode("n1"), ready("10.0.0.2"))...)
				objs = append(objs, mkPod("default", "db-2-x", withLabels("app", "db"), ownedBy("ReplicaSet", "db-2"), requesting("2", "")))
				return model.DeploymentsAvailable(model.NewSnapshot(objs...))
			},
		},
		{
			name: "EndpointsComplete",
			bad: func() []model.Violation {
				a := mkPod("default", "a", withLabels("app", "web"), ready("10.0.0.1"))
				b := mkPod("default", "b", withLabels("app", "web"), ready("10.0.0.2"))
				c := mkPod("default", "c", withLabels("app", "db"), ready("10.0.0.3"))
				return model.EndpointsComplete(model.NewSnapshot(mkService("web", map[string]string{"app": "web"}), a, b, c,
					mkEndpoints("web", nil, []*api.Pod{a}), mkService("db", map[string]string{"app": "db"})))
			},
			want: "EndpointsComplete: Service default/db: no Endpoints, and pod c (10.0.0.3) is ready\n" +
				"EndpointsComplete: Service default/web: pod a (10.0.0.1) is ready but not among the ready addresses\n" +
				"EndpointsComplete: Service default/web: pod b (10.0.0.2) is ready but not among the ready addresses\n",
			good: func() []model.Violation {
				a := mkPod("default", "a", withLabels("app", "web"), ready("10.0.0.1"))
				return model.EndpointsComplete(model.NewSnapshot(mkService("web", map[string]string{"app": "web"}), a,
					mkPod("default", "unready", withLabels("app", "web"), withIP("10.0.0.2")),
					mkPod("default", "done", withLabels("app", "web"), ready("10.0.0.3"), inPhase(api.PodSucceeded)),
					mkEndpoints("web", []*api.Pod{a}, nil)))
			},
		},
		{
			name: "Fixpoint",
			bad: func() []model.Violation {
				return model.Fixpoint(historyOf(added(mkPod("default", "a")), modified(mkPod("default", "a")), modified(mkNode("n1", "1", "1Gi", "1", true))), 2)
			},
			want: "Fixpoint: Node n1: written at a fixpoint: MODIFIED /registry/nodes/n1 rev=4\n" +
				"Fixpoint: Pod default/a: written at a fixpoint: MODIFIED /registry/pods/default/a rev=3\n",
			good: func() []model.Violation {
				return model.Fixpoint(historyOf(added(mkPod("default", "a")), modified(mkNode("n1", "1", "1Gi", "1", true))), 2, "Node")
			},
		},
	}
}

// TestInvariantsTolerateOddData: no invariant panics on objects with
// missing fields, dangling references and nils.
func TestInvariantsTolerateOddData(t *testing.T) {
	odd := []api.Object{
		&api.Node{TypeMeta: api.TypeMeta{Kind: "Node"}},
		&api.Pod{TypeMeta: api.TypeMeta{Kind: "Pod"}, Spec: api.PodSpec{NodeName: "nowhere"}},
		&api.Pod{TypeMeta: api.TypeMeta{Kind: "Pod"}, ObjectMeta: api.ObjectMeta{OwnerReferences: []api.OwnerReference{{Kind: "ReplicaSet", Controller: &yes}}}},
		&api.ReplicaSet{TypeMeta: api.TypeMeta{Kind: "ReplicaSet"}},
		&api.Deployment{TypeMeta: api.TypeMeta{Kind: "Deployment"}, Spec: api.DeploymentSpec{Strategy: api.DeploymentStrategy{RollingUpdate: &api.RollingUpdateDeployment{}}}},
		&api.Service{TypeMeta: api.TypeMeta{Kind: "Service"}, Spec: api.ServiceSpec{Selector: map[string]string{"a": "b"}}},
		&api.Endpoints{TypeMeta: api.TypeMeta{Kind: "Endpoints"}, Subsets: []api.EndpointSubset{{Addresses: []api.EndpointAddress{{IP: "1.2.3.4"}}}}},
		&api.PersistentVolume{TypeMeta: api.TypeMeta{Kind: "PersistentVolume"}, Spec: api.PersistentVolumeSpec{ClaimRef: &api.ObjectReference{}}},
		&api.PersistentVolumeClaim{TypeMeta: api.TypeMeta{Kind: "PersistentVolumeClaim"}, Spec: api.PersistentVolumeClaimSpec{VolumeName: "x"}},
		(*api.Pod)(nil),
		nil,
	}
	s := model.NewSnapshot(odd...)
	h := model.History{{Type: model.Added}, {Type: "BOGUS", Object: odd[1]}, {Type: model.Modified, Object: odd[2]}, {Type: model.Deleted, Key: "/registry/pods/x"},
		{Type: model.Modified, Object: (*api.Pod)(nil)}, {Type: model.Added, Object: (*api.Node)(nil), Key: "/registry/nodes/n"}}
	var all []model.Violation
	all = append(all, model.NoOvercommit(s)...)
	all = append(all, model.RollingUpdateBounds(s)...)
	all = append(all, model.ReplicaSetOwnsOnlyMatching(s)...)
	all = append(all, model.PVBoundToAtMostOnePVC(s)...)
	all = append(all, model.EndpointsMatchSelector(s)...)
	all = append(all, model.DeploymentsAvailable(s)...)
	all = append(all, model.EndpointsComplete(s)...)
	all = append(all, model.NodeNameNeverChanges(h)...)
	all = append(all, model.BindingsWereFeasible(h)...)
	all = append(all, model.RevisionsIncrease(h)...)
	all = append(all, model.WatchDeliversOnceInOrder(h, model.WatchLog{Prefix: "/registry/", Events: h, CaughtUp: true})...)
	all = append(all, model.Fixpoint(h, 0)...)
	_ = model.History(h).At(0)
	for _, v := range all {
		if strings.TrimSpace(v.Invariant) == "" || v.Message == "" {
			t.Errorf("violation without a name or message: %#v", v)
		}
	}
}

// TestReferenceScheduler pins a few of model.Schedule's answers by hand.
func TestReferenceScheduler(t *testing.T) {
	nodes := []*api.Node{
		mkNode("big", "4", "8Gi", "110", true),
		mkNode("small", "1", "1Gi", "110", true),
		mkNode("tainted", "4", "8Gi", "110", true, api.Taint{Key: "dedicated", Value: "db", Effect: api.TaintEffectNoSchedule}),
		mkNode("down", "4", "8Gi", "110", false),
	}
	bound := []*api.Pod{mkPod("default", "old", onNode("big"), requesting("2", "4Gi"), withLabels("app", "db"))}
	p := mkPod("default", "new", requesting("1500m", ""), withLabels("app", "web"))
	feasible, reasons, scores := model.Schedule(nodes, bound, nil, nil, p)
	if !feasible["big"] || feasible["small"] || feasible["tainted"] || feasible["down"] {
		t.Fatalf("feasible = %v, reasons %v", feasible, reasons)
	}
	want := map[string]string{
		"small":   "Insufficient cpu",
		"tainted": "node(s) had untolerated taint {dedicated: db}",
		"down":    "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
	}
	for n, r := range want {
		if got := strings.Join(reasons[n], "; "); got != r {
			t.Errorf("reasons[%s] = %q, want %q", n, got, r)
		}
	}
	// big: cpu (4000-3500)*100/4000 = 12, memory (8Gi-4Gi-200Mi)/8Gi = 47: 29.
	if s := scores["big"]; s.Resources != 29 || s.TaintToleration != 100 || s.Total != 29+300 {
		t.Errorf("scores[big] = %+v", s)
	}
	// Anti-affinity against app=db on the same host leaves nothing.
	p.Spec.Affinity = &api.Affinity{PodAntiAffinity: &api.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{{
		LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": "db"}}, TopologyKey: api.LabelHostname}}}}
	feasible, reasons, _ = model.Schedule(nodes, bound, nil, nil, p)
	if feasible["big"] || strings.Join(reasons["big"], "") != model.ReasonPodAntiAffinity {
		t.Errorf("with anti-affinity: feasible %v, reasons %v", feasible, reasons)
	}
}
