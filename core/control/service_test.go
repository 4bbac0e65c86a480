package control

import (
	"fmt"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

func service(name string, selector map[string]string, ports ...api.ServicePort) *api.Service {
	return &api.Service{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"svc": name}},
		Spec:       api.ServiceSpec{Selector: selector, Ports: ports},
	}
}

func (h *harness) endpoints(name string) *api.Endpoints {
	o := h.get("endpoints", "default", name)
	if o == nil {
		return nil
	}
	return o.(*api.Endpoints)
}

func TestEndpointsReadyNotReadyAndNamedPorts(t *testing.T) {
	h := newHarness(t, Config{Seed: 40})
	h.addNode("n1", "4", "8Gi")
	mk := func(name string, port int32) *api.Pod {
		p := barePod(name, map[string]string{"app": "web"}, "100m")
		p.Spec.Containers[0].Ports = []api.ContainerPort{{Name: "http", ContainerPort: port}}
		return p
	}
	h.create(mk("a", 8080))
	h.create(mk("b", 8080))
	h.create(mk("c", 9090)) // same name, another number: its own subset
	h.create(barePod("other", map[string]string{"app": "db"}, "100m"))
	h.notReady["b"] = true
	h.create(service("web", map[string]string{"app": "web"},
		api.ServicePort{Name: "web", Port: 80, TargetPort: api.FromString("http")},
		api.ServicePort{Name: "metrics", Port: 9100, TargetPort: api.FromInt(9100)}))
	h.settle()
	ep := h.endpoints("web")
	if ep == nil {
		t.Fatal("no endpoints")
	}
	if len(ep.Subsets) != 2 {
		t.Fatalf("subsets = %+v", ep.Subsets)
	}
	s0, s1 := ep.Subsets[0], ep.Subsets[1]
	want0 := []api.EndpointPort{{Name: "metrics", Port: 9100, Protocol: "TCP"}, {Name: "web", Port: 8080, Protocol: "TCP"}}
	if fmt.Sprint(s0.Ports) != fmt.Sprint(want0) || len(s0.Addresses) != 1 || s0.Addresses[0].TargetRef.Name != "a" ||
		len(s0.NotReadyAddresses) != 1 || s0.NotReadyAddresses[0].TargetRef.Name != "b" {
		t.Errorf("subset 0 = %+v", s0)
	}
	if s1.Ports[1].Port != 9090 || len(s1.Addresses) != 1 || s1.Addresses[0].TargetRef.Name != "c" {
		t.Errorf("subset 1 = %+v", s1)
	}
	if ep.Labels["svc"] != "web" || *s0.Addresses[0].NodeName != "n1" {
		t.Errorf("labels %v node %v", ep.Labels, s0.Addresses[0].NodeName)
	}
	// b becomes ready: it moves to addresses. Nothing else is rewritten.
	writes := len(h.writes("Endpoints default/web"))
	h.notReady["b"] = false
	h.settle()
	ep = h.endpoints("web")
	if len(ep.Subsets[0].Addresses) != 2 || len(ep.Subsets[0].NotReadyAddresses) != 0 {
		t.Errorf("after b ready: %+v", ep.Subsets[0])
	}
	if got := len(h.writes("Endpoints default/web")); got != writes+1 {
		t.Errorf("%d endpoint writes for one change", got-writes)
	}
	// Deleting a pod drops it.
	h.del("pods", "default", "c", "")
	h.settle()
	if ep = h.endpoints("web"); len(ep.Subsets) != 1 {
		t.Errorf("after deleting c: %+v", ep.Subsets)
	}
	// Deleting the service deletes its endpoints.
	h.del("services", "default", "web", "")
	h.settle()
	if h.endpoints("web") != nil {
		t.Error("endpoints outlive their service")
	}
}

func TestEndpointsPublishNotReady(t *testing.T) {
	h := newHarness(t, Config{Seed: 41})
	h.addNode("n1", "4", "8Gi")
	h.notReady["a"] = true
	h.create(barePod("a", map[string]string{"app": "web"}, "100m"))
	s := service("web", map[string]string{"app": "web"}, api.ServicePort{Port: 80})
	s.Spec.PublishNotReadyAddresses = true
	h.create(s)
	h.settle()
	ep := h.endpoints("web")
	if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || ep.Subsets[0].Ports[0].Port != 80 {
		t.Errorf("endpoints = %+v", ep.Subsets)
	}
}

func TestServiceWithoutSelectorLeftAlone(t *testing.T) {
	h := newHarness(t, Config{Seed: 42})
	h.create(service("ext", nil, api.ServicePort{Port: 80}))
	h.settle()
	if h.endpoints("ext") != nil {
		t.Error("endpoints made for a service without selector")
	}
}

func TestClusterIPAllocation(t *testing.T) {
	h := newHarness(t, Config{Seed: 43})
	h.create(&api.Service{ObjectMeta: api.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Spec: api.ServiceSpec{Ports: []api.ServicePort{{Port: 443}}}})
	for i := 0; i < 5; i++ {
		h.create(service(fmt.Sprint("s", i), nil, api.ServicePort{Port: 80}))
	}
	np := service("np", nil, api.ServicePort{Name: "a", Port: 80}, api.ServicePort{Name: "b", Port: 81, NodePort: 30000})
	np.Spec.Type = api.ServiceTypeNodePort
	h.create(np)
	headless := service("headless", nil, api.ServicePort{Port: 80})
	headless.Spec.ClusterIP = api.ClusterIPNone
	h.create(headless)
	h.settle()
	seen := map[string]string{}
	for _, o := range h.list("services") {
		s := o.(*api.Service)
		ip := s.Spec.ClusterIP
		if other, dup := seen[ip]; dup {
			t.Errorf("%s and %s share %s", s.Name, other, ip)
		}
		seen[ip] = s.Name
		if ip != api.ClusterIPNone && (len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != ip) {
			t.Errorf("%s clusterIPs %v", s.Name, s.Spec.ClusterIPs)
		}
	}
	if seen["10.96.0.1"] != "kubernetes" || seen["10.96.0.2"] == "" || seen[api.ClusterIPNone] != "headless" {
		t.Errorf("allocations %v", seen)
	}
	s := h.get("services", "default", "np").(*api.Service)
	if s.Spec.Ports[0].NodePort != 30001 || s.Spec.Ports[1].NodePort != 30000 {
		t.Errorf("node ports %d %d, want 30001 (30000 taken)", s.Spec.Ports[0].NodePort, s.Spec.Ports[1].NodePort)
	}
	// A deleted service's address is reused by the next one.
	freed := h.get("services", "default", "s0").(*api.Service).Spec.ClusterIP
	h.del("services", "default", "s0", "")
	h.create(service("later", nil, api.ServicePort{Port: 80}))
	h.settle()
	if got := h.get("services", "default", "later").(*api.Service).Spec.ClusterIP; got != freed {
		t.Errorf("later got %s, want the freed %s", got, freed)
	}
}
