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
// renews its lease every 10s and is marked unknown after 20s without
// one; pods do not tolerate an unreachable node at all (they are evicted
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

// AfterCrash: as NodeCrash, but n2 crashed during Setup, 20s ago: its
// lease is about to expire. Exploration starts at the node lifecycle
// controller's timer and reaches the replacement pods running.
func AfterCrash() Config {
	c := NodeCrash()
	c.Name, c.Seed = "after-crash", 6
	c.Setup = afterFault(c.Setup)
	return c
}

// AfterPartition: as NodePartition, but n2 was cut off during Setup, 20s
// ago; it may heal.
func AfterPartition() Config {
	c := NodePartition()
	c.Name, c.Seed = "after-partition", 7
	c.Setup = afterFault(c.Setup)
	return c
}

// afterFault runs setup, injects the fault and lets 20s pass, settling on
// the way: the faulty node's lease is about to expire.
func afterFault(setup func(*World) error) func(*World) error {
	return func(w *World) error {
		if err := setup(w); err != nil {
			return err
		}
		if err := w.InjectFault(); err != nil {
			return err
		}
		return w.AdvanceBy(20 * time.Second)
	}
}

// Configs returns the configurations CI explores.
func Configs() []Config {
	return []Config{Create(), Rollout(), RolloutTight(), NodeCrash(), NodePartition(), AfterCrash(), AfterPartition()}
}
