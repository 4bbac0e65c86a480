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
// and removes the bridge at the end. It skips without root or plugins.
func testNetwork(t *testing.T, bridge, cidr string) *Network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces)")
	}
	if !pluginExists([]string{DefaultPluginDir}, "bridge") {
		t.Skip("CNI plugins missing: apt-get install containernetworking-plugins")
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
