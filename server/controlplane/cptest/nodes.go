package cptest

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
)

// LeaseNamespace is where node Leases live.
const LeaseNamespace = "kube-node-lease"

// LeaseSeconds is the leaseDurationSeconds written, as the kubelet's.
const LeaseSeconds = 40

// Register creates a Ready node name with 4 CPUs, 8Gi of memory and room
// for 110 pods, and its Lease, renewed at now. The kube-node-lease
// namespace must exist.
func Register(reg *registry.Registry, name string, now api.Time) error {
	capacity := api.ResourceList{
		api.ResourceCPU:    api.MustParseQuantity("4"),
		api.ResourceMemory: api.MustParseQuantity("8Gi"),
		api.ResourcePods:   api.NewQuantity(110, api.DecimalSI),
	}
	n := &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.LabelHostname: name}},
	}
	if _, err := reg.Create(n, now); err != nil {
		return fmt.Errorf("register node %s: %w", name, err)
	}
	// The control plane may write the new node (its taints) at once:
	// post the status on the latest version, as a kubelet does.
	for attempt := 0; ; attempt++ {
		cur, err := reg.Get("nodes", "", name)
		if err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		n = cur.(*api.Node)
		n.Status = api.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			Conditions: []api.NodeCondition{{
				Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady",
				Message: "fake node", LastHeartbeatTime: now, LastTransitionTime: now,
			}},
			Addresses: []api.NodeAddress{{Type: "Hostname", Address: name}},
		}
		_, err = reg.UpdateStatus(n, now)
		if err == nil {
			break
		}
		if !api.IsConflict(err) || attempt == 9 {
			return fmt.Errorf("node %s status: %w", name, err)
		}
	}
	holder, secs, renew := name, int32(LeaseSeconds), api.MicroTime(now)
	lease := &api.Lease{
		TypeMeta:   api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
		ObjectMeta: api.ObjectMeta{Namespace: LeaseNamespace, Name: name},
		Spec:       api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &renew},
	}
	if _, err := reg.Create(lease, now); err != nil {
		return fmt.Errorf("node %s lease: %w", name, err)
	}
	return nil
}

// Renew sets node name's Lease renewTime to now, as a kubelet does every
// 10 seconds; a conflicting concurrent write is retried.
func Renew(reg *registry.Registry, name string, now api.Time) error {
	var err error
	for range 5 {
		var obj api.Object
		obj, err = reg.Get("leases", LeaseNamespace, name)
		if err != nil {
			return fmt.Errorf("renew lease %s: %w", name, err)
		}
		l := obj.(*api.Lease)
		renew := api.MicroTime(now)
		l.Spec.RenewTime = &renew
		if _, err = reg.Update(l, now); err == nil || !api.IsConflict(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("renew lease %s: %w", name, err)
	}
	return nil
}
