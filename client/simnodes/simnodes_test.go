package simnodes_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/client/simnodes"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/storage"
)

func newServer(t testing.TB) *client.Client {
	t.Helper()
	h, err := apiserver.New(apiserver.Config{Backend: storage.NewLocked(store.NewMemory()),
		Authenticator: apiserver.AllowAll{}, Authorizer: apiserver.AllowAll{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := client.New(&client.Config{Server: srv.URL, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: "default"}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHeartbeatsAndPods: leases are renewed, a node marked not ready is
// reported ready again, a bound pod becomes Running and Ready, and a bound
// pod being deleted is deleted for good.
func TestHeartbeatsAndPods(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	sim, err := simnodes.Start(ctx, c, simnodes.Options{Count: 2, RunPods: true, RenewInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	if names := sim.Names(); len(names) != 2 || names[1] != "sim-node-1" {
		t.Errorf("names %v", names)
	}
	l0, err := client.Get[*api.Lease](ctx, c, "kube-node-lease", "sim-node-0")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a lease renewal", func() bool {
		l, err := client.Get[*api.Lease](ctx, c, "kube-node-lease", "sim-node-0")
		return err == nil && *l.Spec.RenewTime > *l0.Spec.RenewTime && *l.Spec.HolderIdentity == "sim-node-0"
	})

	// The node lifecycle controller's verdict, overruled by the heartbeat.
	n, err := client.Get[*api.Node](ctx, c, "", "sim-node-1")
	if err != nil {
		t.Fatal(err)
	}
	n.Condition(api.NodeReady).Status = api.ConditionUnknown
	if _, err := client.UpdateStatus(ctx, c, n); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the node ready again", func() bool {
		n, err := client.Get[*api.Node](ctx, c, "", "sim-node-1")
		return err == nil && n.IsReady()
	})

	pod := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "a", Image: "busybox"}, {Name: "b", Image: "busybox"}}}}
	if _, err := c.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if err := c.Bind(ctx, "default", "p", "sim-node-0"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pod running", func() bool {
		p, err := client.Get[*api.Pod](ctx, c, "default", "p")
		if err != nil || p.Status.Phase != api.PodRunning || len(p.Status.ContainerStatuses) != 2 {
			return false
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == api.PodReady && cond.Status == api.ConditionTrue {
				return true
			}
		}
		return false
	})
	if _, err := c.Delete(ctx, "Pod", "default", "p", client.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pod gone", func() bool {
		_, err := c.Get(ctx, "Pod", "default", "p")
		return api.IsNotFound(err)
	})
	// A pod bound elsewhere is none of its business.
	other := pod.DeepCopy()
	other.Name = "q"
	if _, err := c.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := c.Bind(ctx, "default", "q", "real-node"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if p, err := client.Get[*api.Pod](ctx, c, "default", "q"); err != nil || p.Status.Phase == api.PodRunning {
		t.Errorf("a pod of another node: %v %v", p.Status.Phase, err)
	}
}

func TestBadOptions(t *testing.T) {
	c := newServer(t)
	if _, err := simnodes.Start(context.Background(), c, simnodes.Options{Count: 1, CPU: "lots"}); err == nil {
		t.Error("a bad cpu quantity was accepted")
	}
	if _, err := simnodes.Start(context.Background(), c, simnodes.Options{Count: -1}); err == nil {
		t.Error("a negative count was accepted")
	}
}

// TestAddresses: each node has its own pod range and an InternalIP; a
// running pod gets the lowest free address of its node's range and the
// node's address as hostIP; a deleted pod's address is handed out again;
// a new Sim (a restart) does not hand out an address a running pod holds.
func TestAddresses(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	sim, err := simnodes.Start(ctx, c, simnodes.Options{Count: 2, RunPods: true})
	if err != nil {
		t.Fatal(err)
	}
	n1, err := client.Get[*api.Node](ctx, c, "", "sim-node-1")
	if err != nil {
		t.Fatal(err)
	}
	if n1.Spec.PodCIDR != "10.64.1.0/24" || len(n1.Status.Addresses) == 0 || n1.Status.Addresses[0] != (api.NodeAddress{Type: "InternalIP", Address: "172.16.0.2"}) {
		t.Errorf("node sim-node-1: podCIDR %q, addresses %v", n1.Spec.PodCIDR, n1.Status.Addresses)
	}
	run := func(name, node string) *api.Pod {
		t.Helper()
		pod := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "a", Image: "busybox"}}}}
		if _, err := c.Create(ctx, pod); err != nil {
			t.Fatal(err)
		}
		if err := c.Bind(ctx, "default", name, node); err != nil {
			t.Fatal(err)
		}
		var p *api.Pod
		eventually(t, name+" running", func() bool {
			p, err = client.Get[*api.Pod](ctx, c, "default", name)
			return err == nil && p.Status.Phase == api.PodRunning
		})
		return p
	}
	ip := func(p *api.Pod) string { return p.Status.PodIP + " on " + p.Status.HostIP }
	if a := run("a", "sim-node-1"); ip(a) != "10.64.1.2 on 172.16.0.2" || len(a.Status.PodIPs) != 1 || a.Status.PodIPs[0].IP != a.Status.PodIP {
		t.Errorf("pod a: %s, podIPs %v", ip(a), a.Status.PodIPs)
	}
	if b := run("b", "sim-node-1"); ip(b) != "10.64.1.3 on 172.16.0.2" {
		t.Errorf("pod b: %s", ip(b))
	}
	if d := run("d", "sim-node-0"); ip(d) != "10.64.0.2 on 172.16.0.1" {
		t.Errorf("pod d: %s", ip(d))
	}
	zero := int64(0)
	if _, err := c.Delete(ctx, "Pod", "default", "a", client.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a gone", func() bool { _, err := c.Get(ctx, "Pod", "default", "a"); return api.IsNotFound(err) })
	// The watch's Deleted event frees the address; wait until it has arrived.
	time.Sleep(100 * time.Millisecond)
	if e := run("e", "sim-node-1"); ip(e) != "10.64.1.2 on 172.16.0.2" {
		t.Errorf("pod e (after a was deleted): %s", ip(e))
	}
	sim.Stop()
	// A restart relists: 10.64.1.2 and .3 are held by e and b.
	sim, err = simnodes.Start(ctx, c, simnodes.Options{Count: 2, RunPods: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	if f := run("f", "sim-node-1"); ip(f) != "10.64.1.4 on 172.16.0.2" {
		t.Errorf("pod f (after a restart): %s", ip(f))
	}
}
