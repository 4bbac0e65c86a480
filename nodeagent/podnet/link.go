package podnet

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// hostVeth names the host end of pod uid's veth pair: "cap" and 12 hex
// digits of the hash of the bridge's name and the uid (interface names
// hold 15 bytes). The bridge is in it because agents on one machine share
// its interface names but not their pods' uids (the tests' in-memory APIs
// give the same uids to different agents' pods).
func (n *Network) hostVeth(uid string) string {
	h := sha256.Sum256([]byte(n.cfg.Bridge + "/" + uid))
	return "cap" + hex.EncodeToString(h[:6])
}

// bridge returns the bridge's index, making the bridge, giving it the
// gateway's address and bringing it up if needed.
func (n *Network) bridge() (int, error) {
	n.bridgeMu.Lock()
	defer n.bridgeMu.Unlock()
	if n.bridgeIndex != 0 {
		if l, err := netlink.LinkByIndex(n.bridgeIndex); err == nil && l.Attrs().Name == n.cfg.Bridge {
			return n.bridgeIndex, nil
		}
		n.bridgeIndex = 0 // deleted meanwhile
	}
	br, err := netlink.LinkByName(n.cfg.Bridge)
	if errors.As(err, &netlink.LinkNotFoundError{}) {
		err = netlink.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.cfg.Bridge, MTU: n.cfg.MTU}})
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return 0, fmt.Errorf("make bridge %s: %w", n.cfg.Bridge, err)
		}
		br, err = netlink.LinkByName(n.cfg.Bridge)
	}
	if err != nil {
		return 0, fmt.Errorf("bridge %s: %w", n.cfg.Bridge, err)
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		return 0, fmt.Errorf("%s is a %s, not a bridge", n.cfg.Bridge, br.Type())
	}
	gw := &netlink.Addr{IPNet: n.ipNet(n.gw)}
	if err := netlink.AddrAdd(br, gw); err != nil && !errors.Is(err, unix.EEXIST) {
		return 0, fmt.Errorf("address %s on bridge %s: %w", gw.IPNet, n.cfg.Bridge, err)
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return 0, fmt.Errorf("bring bridge %s up: %w", n.cfg.Bridge, err)
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		return 0, fmt.Errorf("enable IPv4 forwarding: %w", err)
	}
	n.bridgeIndex = br.Attrs().Index
	return n.bridgeIndex, nil
}

// ipNet is ip with the pod range's mask.
func (n *Network) ipNet(ip netip.Addr) *net.IPNet {
	return &net.IPNet{IP: ip.AsSlice(), Mask: net.CIDRMask(n.prefix.Bits(), 32)}
}

// plug connects pod uid's namespace at nsPath to the bridge with address
// ip: a veth pair (the host end on the bridge, eth0 in the namespace),
// the address and default route on eth0, lo up.
func (n *Network) plug(uid, nsPath string, ip netip.Addr) error {
	brIndex, err := n.bridge()
	if err != nil {
		return err
	}
	if err := n.unplug(uid); err != nil { // what a setup cut short left
		return err
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("open namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	name := n.hostVeth(uid)
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: n.cfg.MTU, MasterIndex: brIndex},
		PeerName: "eth0", PeerNamespace: netlink.NsFd(ns), PeerMTU: uint32(n.cfg.MTU)}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("make veth %s: %w", name, err)
	}
	host, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("veth %s: %w", name, err)
	}
	if err := netlink.LinkSetHairpin(host, true); err != nil {
		return fmt.Errorf("hairpin on %s: %w", name, err)
	}
	if err := netlink.LinkSetUp(host); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", nsPath, err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("bring lo up: %w", err)
	}
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("eth0: %w", err)
	}
	if err := h.AddrAdd(eth0, &netlink.Addr{IPNet: n.ipNet(ip)}); err != nil {
		return fmt.Errorf("address %s on eth0: %w", ip, err)
	}
	if err := h.LinkSetUp(eth0); err != nil {
		return fmt.Errorf("bring eth0 up: %w", err)
	}
	if err := h.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: n.gw.AsSlice()}); err != nil {
		return fmt.Errorf("default route via %s: %w", n.gw, err)
	}
	return nil
}

// unplug removes pod uid's veth pair, if it has one.
func (n *Network) unplug(uid string) error {
	l, err := netlink.LinkByName(n.hostVeth(uid))
	if errors.As(err, &netlink.LinkNotFoundError{}) {
		return nil
	}
	if err == nil {
		err = netlink.LinkDel(l)
	}
	if err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("remove veth %s: %w", n.hostVeth(uid), err)
	}
	return nil
}
