// Package podnet gives each pod its own network namespace and an address
// from the node's pod CIDR, over netlink, in the agent's own process (the
// layout of the standard CNI bridge plugin with host-local IPAM, without
// running a plugin process per pod): a Linux bridge on the node holds the
// range's first address and is the pods' gateway; each pod gets a veth
// pair, its host end on the bridge (hairpin on), its other end eth0 in
// the pod's namespace with the pod's address and a default route through
// the gateway, and its lo up. Pods on one node reach each other, and the
// node reaches them, over the bridge. IPv4 forwarding is turned on, as
// the bridge plugin's isGateway does, for routes to other nodes' pods.
//
// A namespace is a file under the data directory onto which the new
// namespace is bind-mounted, so it outlives the process that made it (and
// the agent: Setup after a restart finds the namespace and the address it
// had, recorded under ipam/). Setup and Teardown are idempotent and safe
// for concurrent use.
package podnet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// Config describes the node's pod network.
type Config struct {
	// PodCIDR is the node's IPv4 pod range, e.g. 10.244.0.0/24 (/8 to
	// /30). The first address is the bridge's (the pods' gateway).
	PodCIDR string
	// Bridge is the Linux bridge's name (at most 15 bytes); default
	// "capstan0". Two agents on one machine need two bridges.
	Bridge string
	// DataDir holds the namespaces (netns/) and the addresses given
	// (ipam/).
	DataDir string
	// MTU of the bridge and the pods' interfaces; 0 keeps the kernel's.
	MTU int
}

// Network sets up and tears down pod networks.
type Network struct {
	cfg    Config
	prefix netip.Prefix // masked
	gw     netip.Addr
	ipam   *ipam

	mu sync.Mutex
	// locks serialise Setup and Teardown of one pod.
	locks map[string]*sync.Mutex

	bridgeMu sync.Mutex
	// bridgeIndex is the bridge's interface index once made (0 before).
	bridgeIndex int
}

// New checks cfg and returns its Network. It changes nothing on the node
// (the bridge is made by the first Setup).
func New(cfg Config) (*Network, error) {
	if cfg.Bridge == "" {
		cfg.Bridge = "capstan0"
	}
	if len(cfg.Bridge) > 15 {
		return nil, fmt.Errorf("podnet: bridge name %q longer than 15 bytes", cfg.Bridge)
	}
	prefix, err := netip.ParsePrefix(cfg.PodCIDR)
	if err != nil {
		return nil, fmt.Errorf("podnet: pod CIDR: %w", err)
	}
	if !prefix.Addr().Is4() || prefix.Bits() < 8 || prefix.Bits() > 30 {
		return nil, fmt.Errorf("podnet: pod CIDR %s: want an IPv4 range from /8 to /30", cfg.PodCIDR)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("podnet: no data directory")
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "netns"), 0o700); err != nil {
		return nil, fmt.Errorf("podnet: %w", err)
	}
	prefix = prefix.Masked()
	m, err := loadIPAM(filepath.Join(cfg.DataDir, "ipam"), prefix)
	if err != nil {
		return nil, err
	}
	return &Network{cfg: cfg, prefix: prefix, gw: prefix.Addr().Next(), ipam: m, locks: map[string]*sync.Mutex{}}, nil
}

// Bridge returns the bridge's name.
func (n *Network) Bridge() string { return n.cfg.Bridge }

// Gateway returns the bridge's address, the pods' gateway.
func (n *Network) Gateway() string { return n.gw.String() }

// NSPath returns the path of pod uid's network namespace (which may not
// exist).
func (n *Network) NSPath(uid string) string { return filepath.Join(n.cfg.DataDir, "netns", uid) }

func (n *Network) lock(uid string) func() {
	n.mu.Lock()
	l := n.locks[uid]
	if l == nil {
		l = &sync.Mutex{}
		n.locks[uid] = l
	}
	n.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Setup gives pod uid its namespace and address, and returns the address
// and the namespace's path. A pod set up before (by this agent or one
// before it) keeps its namespace and address.
func (n *Network) Setup(ctx context.Context, uid string) (ip, nsPath string, err error) {
	defer n.lock(uid)()
	nsPath = n.NSPath(uid)
	addr, had := n.ipam.get(uid)
	switch {
	case had && isNS(nsPath):
		return addr.String(), nsPath, nil // set up before
	case !isNS(nsPath):
		if err := newNS(nsPath); err != nil {
			return "", "", err
		}
	}
	if addr, err = n.ipam.allocate(uid); err != nil {
		return "", "", err
	}
	if err := n.plug(uid, nsPath, addr); err != nil {
		return "", "", fmt.Errorf("podnet: network for pod %s: %w", uid, err)
	}
	return addr.String(), nsPath, nil
}

// IP returns the address pod uid was given, if its network is set up.
func (n *Network) IP(uid string) (string, bool) {
	ip, ok := n.ipam.get(uid)
	if !ok || !isNS(n.NSPath(uid)) {
		return "", false
	}
	return ip.String(), true
}

// Teardown releases pod uid's address and removes its namespace. A pod
// without a network is not an error.
func (n *Network) Teardown(ctx context.Context, uid string) error {
	defer n.lock(uid)()
	nsPath := n.NSPath(uid)
	var errs []error
	if err := n.unplug(uid); err != nil {
		errs = append(errs, fmt.Errorf("podnet: pod %s: %w", uid, err))
	}
	if err := unix.Unmount(nsPath, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("podnet: unmount %s: %w", nsPath, err))
	}
	if err := os.Remove(nsPath); err != nil && !os.IsNotExist(err) {
		errs = append(errs, fmt.Errorf("podnet: %w", err))
	}
	errs = append(errs, n.ipam.release(uid))
	n.mu.Lock()
	delete(n.locks, uid)
	n.mu.Unlock()
	return errors.Join(errs...)
}

// Pods returns the uids of the pods whose network is set up, sorted.
func (n *Network) Pods() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(n.cfg.DataDir, "netns"))
	if err != nil {
		return nil, fmt.Errorf("podnet: %w", err)
	}
	uids := make([]string, 0, len(ents))
	for _, e := range ents {
		uids = append(uids, e.Name())
	}
	return uids, nil
}

// TeardownAll tears down every pod network.
func (n *Network) TeardownAll(ctx context.Context) error {
	uids, err := n.Pods()
	if err != nil {
		return err
	}
	var errs []error
	for _, uid := range uids {
		errs = append(errs, n.Teardown(ctx, uid))
	}
	return errors.Join(errs...)
}

// newNS creates a network namespace and bind-mounts it on path. The
// thread that made it is left locked and so ends with its goroutine.
func newNS(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o600)
	if err != nil {
		return fmt.Errorf("podnet: %w", err)
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("podnet: unshare: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
			errc <- fmt.Errorf("podnet: bind %s: %w", path, err)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// isNS reports whether path is a mounted network namespace.
func isNS(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}
