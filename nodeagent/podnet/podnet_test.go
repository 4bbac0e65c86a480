package podnet

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// testNetwork returns a Network on a bridge and range of the test's own,
// and removes the bridge at the end. It skips without root.
func testNetwork(t *testing.T, bridge, cidr string) *Network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	n, err := New(Config{PodCIDR: cidr, Bridge: bridge, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", bridge).Run() })
	return n
}

// inNS runs a command in the namespace at path.
func inNS(path string, args ...string) (string, error) {
	out, err := exec.Command("nsenter", append([]string{"--net=" + path}, args...)...).CombinedOutput()
	return string(out), err
}

// TestTwoPodsReachEachOther: two pods get distinct addresses in the range,
// reach each other over the bridge, keep their address on a second Setup,
// and give it back on Teardown.
func TestTwoPodsReachEachOther(t *testing.T) {
	n := testNetwork(t, "captest0", "10.251.7.0/24")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Cleanup(func() { _ = n.Teardown(context.Background(), "pod-a"); _ = n.Teardown(context.Background(), "pod-b") })
	ipA, nsA, err := n.Setup(ctx, "pod-a")
	if err != nil {
		t.Fatal(err)
	}
	ipB, nsB, err := n.Setup(ctx, "pod-b")
	if err != nil {
		t.Fatal(err)
	}
	_, subnet, _ := net.ParseCIDR("10.251.7.0/24")
	if ipA == ipB || !subnet.Contains(net.ParseIP(ipA)) || !subnet.Contains(net.ParseIP(ipB)) {
		t.Fatalf("addresses %s and %s: want two distinct ones in %s", ipA, ipB, subnet)
	}
	if again, _, err := n.Setup(ctx, "pod-a"); err != nil || again != ipA {
		t.Fatalf("second Setup gave %s, %v; want %s", again, err, ipA)
	}
	if got, ok := n.IP("pod-b"); !ok || got != ipB {
		t.Fatalf("IP(pod-b) = %s %v, want %s", got, ok, ipB)
	}
	if out, err := inNS(nsA, "busybox", "ping", "-c", "1", "-W", "2", ipB); err != nil {
		t.Fatalf("pod a cannot reach pod b at %s: %v\n%s", ipB, err, out)
	}
	if out, err := inNS(nsB, "ip", "-o", "addr", "show", "lo"); err != nil || !strings.Contains(out, "127.0.0.1") {
		t.Fatalf("lo not up in pod b: %v %s", err, out)
	}
	if err := n.Teardown(ctx, "pod-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(nsA); !os.IsNotExist(err) {
		t.Fatalf("namespace %s still there: %v", nsA, err)
	}
	if err := n.Teardown(ctx, "pod-a"); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
	if err := n.Teardown(ctx, "pod-b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := n.IP("pod-b"); ok {
		t.Fatal("pod b still has an address after Teardown")
	}
}

// TestRestartKeepsAddress: a Network made again on the same data directory
// (a restarted agent) finds a pod's namespace and address, and the node
// reaches the pod over the bridge.
func TestRestartKeepsAddress(t *testing.T) {
	n := testNetwork(t, "captest1", "10.251.8.0/24")
	ctx := context.Background()
	ip, ns, err := n.Setup(ctx, "pod-r")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Teardown(context.Background(), "pod-r") })
	again, err := New(n.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := again.IP("pod-r"); !ok || got != ip {
		t.Fatalf("after a restart IP(pod-r) = %s %v, want %s", got, ok, ip)
	}
	if got, ns2, err := again.Setup(ctx, "pod-r"); err != nil || got != ip || ns2 != ns {
		t.Fatalf("after a restart Setup gave %s %s %v, want %s %s", got, ns2, err, ip, ns)
	}
	if out, err := exec.Command("busybox", "ping", "-c", "1", "-W", "2", ip).CombinedOutput(); err != nil {
		t.Fatalf("the node cannot reach the pod at %s: %v\n%s", ip, err, out)
	}
	if out, err := inNS(ns, "ip", "route"); err != nil || !strings.Contains(out, "default via 10.251.8.1") {
		t.Fatalf("pod's routes: %v\n%s", err, out)
	}
}

// TestSameUIDOnTwoBridges: two agents on one machine (two bridges) whose
// pods have the same uid (as the tests' in-memory APIs give) do not take
// each other's interfaces.
func TestSameUIDOnTwoBridges(t *testing.T) {
	a := testNetwork(t, "captest2", "10.251.10.0/24")
	b := testNetwork(t, "captest3", "10.251.11.0/24")
	ctx := context.Background()
	ipA, nsA, err := a.Setup(ctx, "same")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Teardown(context.Background(), "same") })
	if _, _, err := b.Setup(ctx, "same"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Teardown(context.Background(), "same") })
	if err := b.Teardown(ctx, "same"); err != nil {
		t.Fatal(err)
	}
	if out, err := inNS(nsA, "ip", "-o", "addr", "show", "eth0"); err != nil || !strings.Contains(out, ipA) {
		t.Fatalf("pod on captest2 lost eth0 (%s) to the other agent: %v %s", ipA, err, out)
	}
}
