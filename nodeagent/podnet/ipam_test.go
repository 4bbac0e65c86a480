package podnet

import (
	"net/netip"
	"testing"
)

// TestIPAM: addresses skip the gateway and the broadcast address, go round
// the range, survive a reload from the directory, and run out.
func TestIPAM(t *testing.T) {
	dir := t.TempDir()
	prefix := netip.MustParsePrefix("10.9.0.0/29") // .1 gateway, .2-.6 pods, .7 broadcast
	m, err := loadIPAM(dir, prefix)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, uid := range []string{"a", "b", "c"} {
		ip, err := m.allocate(uid)
		if err != nil {
			t.Fatal(err)
		}
		got[uid] = ip.String()
	}
	if got["a"] != "10.9.0.2" || got["b"] != "10.9.0.3" || got["c"] != "10.9.0.4" {
		t.Fatalf("addresses %v: want .2, .3, .4", got)
	}
	if ip, _ := m.allocate("a"); ip.String() != "10.9.0.2" {
		t.Fatalf("a again: %s, want its own 10.9.0.2", ip)
	}
	if err := m.release("b"); err != nil {
		t.Fatal(err)
	}
	m, err = loadIPAM(dir, prefix) // as a restarted agent
	if err != nil {
		t.Fatal(err)
	}
	if ip, ok := m.get("c"); !ok || ip.String() != "10.9.0.4" {
		t.Fatalf("after reload, c has %s %v; want 10.9.0.4", ip, ok)
	}
	if _, ok := m.get("b"); ok {
		t.Fatal("after reload, b still has an address")
	}
	// After the last given (.4): .5, .6, then round to the freed .3.
	for _, w := range []struct{ uid, ip string }{{"d", "10.9.0.5"}, {"e", "10.9.0.6"}, {"f", "10.9.0.3"}} {
		if ip, err := m.allocate(w.uid); err != nil || ip.String() != w.ip {
			t.Fatalf("allocate %s: %s %v; want %s", w.uid, ip, err, w.ip)
		}
	}
	if ip, err := m.allocate("g"); err == nil {
		t.Fatalf("g got %s from a full range", ip)
	}
}
