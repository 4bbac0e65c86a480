package explore

import (
	"fmt"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// deployment returns Deployment default/web: replicas pods of one
// container "app" running image, each requesting cpu, rolled with
// maxSurge and maxUnavailable.
func deployment(replicas int, image, cpu, maxSurge, maxUnavailable string) api.Object {
	yaml := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: %d
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: %s, maxUnavailable: %s}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: %s
        resources: {requests: {cpu: %q}}
`, replicas, maxSurge, maxUnavailable, image, cpu)
	objs, err := api.DecodeManifests([]byte(yaml))
	must(err)
	return objs[0]
}

// twoNodes are n1 and n2 with cpu cores each.
func twoNodes(cpu string) []NodeSpec {
	return []NodeSpec{{Name: "n1", CPU: cpu}, {Name: "n2", CPU: cpu}}
}

// settled is the window Setup settles with: long enough for the control
// plane's retries, short of any node's lease expiring.
const settled = 5 * time.Second

// Create: two nodes of 2 cpus, a Deployment of 3 pods of 1 cpu just
// created. Explores the ReplicaSet's creation, slow start, scheduling
// on views that lag, and the pods starting. Fault-free.
func Create() Config {
	d := deployment(3, "app:v1", "1", "1", "0")
	return Config{
		Name:         "create",
		Seed:         1,
		Nodes:        twoNodes("2"),
		Horizon:      settled,
		EagerRuntime: true,
		Liveness:     true,
		Setup: func(w *World) error {
			if _, err := w.Settle(0, 1000); err != nil {
				return err
			}
			return w.Create(d)
		},
	}
}

// Rollout: two nodes of 2 cpus running a Deployment of 2 pods of 1 cpu
// (maxSurge 1, maxUnavailable 0); the image has just been changed.
// Explores the rolling update. Fault-free.
func Rollout() Config {
	return Config{
		Name:         "rollout",
		Seed:         2,
		Nodes:        twoNodes("2"),
		Horizon:      settled,
		EagerRuntime: true,
		Liveness:     true,
		Setup:        warmRollout(deployment(2, "app:v1", "1", "1", "0")),
	}
}

// RolloutTight: two nodes of 1 cpu running a Deployment of 2 pods of 1
// cpu (maxSurge 0, maxUnavailable 1): a new pod fits only where an old
// one has gone. The image has just been changed. Fault-free.
func RolloutTight() Config {
	return Config{
		Name:         "rollout-tight",
		Seed:         3,
		Nodes:        twoNodes("1"),
		Horizon:      settled,
		EagerRuntime: true,
		Liveness:     true,
		Setup:        warmRollout(deployment(2, "app:v1", "1", "0", "1")),
	}
}

// warmRollout creates d, settles, and sets its image to app:v2.
func warmRollout(d api.Object) func(*World) error {
	return func(w *World) error {
		if _, err := w.Settle(settled, 1000); err != nil {
			return err
		}
		if err := w.Create(d); err != nil {
			return err
		}
		if _, err := w.Settle(settled, 1000); err != nil {
			return err
		}
		m := d.GetObjectMeta()
		return w.SetImage(m.Namespace, m.Name, "app", "app:v2")
	}
}

// faultTiming are the clocks of the configurations with a fault: a node
// renews its lease every 10s and is marked unknown at the first node
// monitor check (every 5s) after 20s without one; pods do not tolerate an unreachable node at all (they are evicted
// as soon as it is tainted). Exploration may move the clock 45s: past a
// lost node's expiry, the taint, the evictions.
func faultTiming(c Config) Config {
	c.Control.NodeMonitorGracePeriod = 20 * time.Second
	c.LeaseRenewInterval = 10 * time.Second
	c.DefaultTolerationSeconds = -1
	c.Horizon = 45 * time.Second
	return c
}

// steady creates d and settles.
func steady(d api.Object) func(*World) error {
	return func(w *World) error {
		if _, err := w.Settle(settled, 1000); err != nil {
			return err
		}
		if err := w.Create(d); err != nil {
			return err
		}
		_, err := w.Settle(settled, 1000)
		return err
	}
}

// NodeCrash: two nodes of 2 cpus running a Deployment of 2 pods of 1 cpu,
// one on each; n2 may crash at any point (its lease stops, its pods are
// lost). Explores the lease expiring, the taints, the evictions and the
// replacement pods.
func NodeCrash() Config {
	return faultTiming(Config{
		Name:         "crash",
		Seed:         4,
		Nodes:        twoNodes("2"),
		EagerRuntime: true,
		Fault:        &FaultSpec{Kind: Crash, Node: "n2"},
		Setup:        steady(deployment(2, "app:v1", "1", "1", "0")),
	})
}

// NodePartition: as NodeCrash, but n2 is cut off the API (its containers
// go on) and may heal.
func NodePartition() Config {
	return faultTiming(Config{
		Name:         "partition",
		Seed:         5,
		Nodes:        twoNodes("2"),
		EagerRuntime: true,
		Fault:        &FaultSpec{Kind: Partition, Node: "n2", Heal: true},
		Setup:        steady(deployment(2, "app:v1", "1", "1", "0")),
	})
}

// AfterCrash: as NodeCrash, but n2 crashed during Setup, 15s ago: its
// lease expires in some 5s (and is checked at the next 5s monitor check
// after that). Exploration starts at the node lifecycle
// controller's timer and reaches the replacement pods running. The clock
// moves only when the control plane has caught up with its watch
// (AdvanceWhenCaughtUp): NodeCrash explores a watch lagging across time,
// this the recovery, deeper.
func AfterCrash() Config {
	c := NodeCrash()
	c.Name, c.Seed = "after-crash", 6
	c.Setup = afterFault(c.Setup)
	c.AdvanceWhenCaughtUp = true
	return c
}

// AfterPartition: as NodePartition, but n2 was cut off during Setup, 15s
// ago; it may heal. As in AfterCrash, the clock waits for the control
// plane's watch.
func AfterPartition() Config {
	c := NodePartition()
	c.Name, c.Seed = "after-partition", 7
	c.Setup = afterFault(c.Setup)
	c.AdvanceWhenCaughtUp = true
	return c
}

// PartitionHeal: as AfterPartition, but pods get the default tolerations
// (300s), so that n2's pods stay while it is unreachable; the partition
// may heal.
func PartitionHeal() Config {
	c := AfterPartition()
	c.Name, c.Seed = "partition-heal", 16
	c.DefaultTolerationSeconds = 0
	return c
}

// afterFault runs setup, injects the fault and lets 15s pass, settling on
// the way: the faulty node's lease expires 20s after its last renewal.
func afterFault(setup func(*World) error) func(*World) error {
	return func(w *World) error {
		if err := setup(w); err != nil {
			return err
		}
		if err := w.InjectFault(); err != nil {
			return err
		}
		return w.AdvanceBy(15 * time.Second)
	}
}

// setImage is the user action of changing the image of default/web's
// container to image.
func setImage(image string) *UserSpec {
	return &UserSpec{Name: "set image " + image, Do: func(w *World) error {
		return w.SetImage("default", "web", "app", image)
	}}
}

// RolloutTwice: as Rollout, and the user may change the image again, to
// app:v3, at any point of the first rollout.
func RolloutTwice() Config {
	c := Rollout()
	c.Name, c.Seed = "rollout-twice", 8
	c.User = setImage("app:v3")
	return c
}

// CreateRollout: two nodes of 2 cpus, a Deployment of 2 pods of 1 cpu
// just created; the user may change its image at any point of the
// creation. The rollout does not start from an available Deployment, so
// only RollingUpdateBounds' surge bound holds (SurgeOnly).
func CreateRollout() Config {
	d := deployment(2, "app:v1", "1", "1", "0")
	c := Create()
	c.Name, c.Seed = "create-rollout", 9
	c.SurgeOnly = true
	c.User = setImage("app:v2")
	c.Setup = func(w *World) error {
		if _, err := w.Settle(0, 1000); err != nil {
			return err
		}
		return w.Create(d)
	}
	return c
}

// decode decodes manifests that are known to be valid.
func decode(yaml string) []api.Object {
	objs, err := api.DecodeManifests([]byte(yaml))
	must(err)
	return objs
}

// volumeObjects are two volumes, "small" (1Gi) and "big" (2Gi), retained
// when released, and two claims of 1Gi, a and b, which both prefer small.
func volumeObjects() (small, big, a, b api.Object) {
	objs := decode(`apiVersion: v1
kind: PersistentVolume
metadata: {name: small}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], persistentVolumeReclaimPolicy: Retain, hostPath: {path: /small}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: big}
spec: {capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], persistentVolumeReclaimPolicy: Retain, hostPath: {path: /big}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: a, namespace: default}
spec: {accessModes: [ReadWriteOnce], storageClassName: "", resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: b, namespace: default}
spec: {accessModes: [ReadWriteOnce], storageClassName: "", resources: {requests: {storage: 1Gi}}}
`)
	return objs[0], objs[1], objs[2], objs[3]
}

// volumesConfig is a fault-free configuration in which objs are created
// at the start, with liveness (VolumesSettle) checked at the leaves.
func volumesConfig(name string, seed uint64, objs ...api.Object) Config {
	return Config{
		Name:         name,
		Seed:         seed,
		Nodes:        twoNodes("2"),
		Horizon:      settled,
		EagerRuntime: true,
		Liveness:     true,
		Setup: func(w *World) error {
			if _, err := w.Settle(0, 1000); err != nil {
				return err
			}
			return w.Create(objs...)
		},
	}
}

// Volumes: claims a and b created together with volumes small and big.
// Explores the two binders' steps on lagging views.
func Volumes() Config {
	small, big, a, b := volumeObjects()
	return volumesConfig("volumes", 11, small, big, a, b)
}

// VolumesRecreate: as Volumes, and the user may delete claim a and create
// it again (a new uid) at any point.
func VolumesRecreate() Config {
	small, big, a, b := volumeObjects()
	c := volumesConfig("volumes-recreate", 10, small, big, a, b)
	c.User = &UserSpec{Name: "delete claim a, create it again", Do: func(w *World) error {
		if err := w.Delete("persistentvolumeclaims", "default", "a"); err != nil {
			return err
		}
		return w.Create(a)
	}}
	return c
}

// VolumeRace: claim a alone with volumes small and big: the smallest
// configuration of the stranded-volume bug (TestBugStrandedVolume).
func VolumeRace() Config {
	small, big, a, _ := volumeObjects()
	return volumesConfig("volume-race", 12, small, big, a)
}

// ClaimDeleted: claim a and volume small; the user may delete the claim
// at any point: the smallest configuration of the dangling-claimRef bug
// (TestBugDanglingClaimRef).
func ClaimDeleted() Config {
	small, _, a, _ := volumeObjects()
	c := volumesConfig("claim-deleted", 13, small, a)
	c.User = &UserSpec{Name: "delete claim a", Do: func(w *World) error {
		return w.Delete("persistentvolumeclaims", "default", "a")
	}}
	return c
}

// deleteDeployment is the user action of deleting default/web with a
// propagation policy.
func deleteDeployment(propagation string) *UserSpec {
	name := "delete deployment"
	if propagation != "" {
		name += " (" + propagation + ")"
	}
	return &UserSpec{Name: name, Do: func(w *World) error {
		return w.DeleteWith("deployments", "default", "web", propagation)
	}}
}

// DeleteDuringCreate: two nodes of 2 cpus, a Deployment of 2 pods of 1
// cpu just created; the user may delete it (background propagation) at
// any point of its creation. At the leaves everything it made is gone
// (GarbageCollected). Fault-free.
func DeleteDuringCreate() Config {
	d := deployment(2, "app:v1", "1", "1", "0")
	return Config{
		Name:         "delete-during-create",
		Seed:         14,
		Nodes:        twoNodes("2"),
		Horizon:      settled,
		EagerRuntime: true,
		Liveness:     true,
		User:         deleteDeployment(""),
		Setup: func(w *World) error {
			if _, err := w.Settle(0, 1000); err != nil {
				return err
			}
			return w.Create(d)
		},
	}
}

// DeleteDuringRollout: as Rollout, and the user may delete the Deployment
// in the foreground (its ReplicaSets and pods first) at any point of the
// rollout. Fault-free.
func DeleteDuringRollout() Config {
	c := Rollout()
	c.Name, c.Seed = "delete-during-rollout", 15
	c.User = deleteDeployment("Foreground")
	return c
}

// Configs returns the configurations CI explores.
func Configs() []Config {
	return []Config{Create(), Rollout(), RolloutTight(), RolloutTwice(), CreateRollout(),
		NodeCrash(), NodePartition(), AfterCrash(), AfterPartition(), PartitionHeal(),
		DeleteDuringCreate(), DeleteDuringRollout(),
		Volumes(), VolumesRecreate(), VolumeRace(), ClaimDeleted()}
}
