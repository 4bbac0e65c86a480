// Package podnet gives each pod its own network namespace and an address
// from the node's pod CIDR, through the standard CNI plugins: bridge (a
// Linux bridge on the node, the pods' gateway) with host-local IPAM, plus
// loopback for the namespace's lo. Pods on one node reach each other, and
// the node reaches them, over the bridge. Debian's containernetworking-
// plugins installs the plugins in /usr/lib/cni.
//
// A namespace is a file under the data directory onto which the new
// namespace is bind-mounted, so it outlives the process that made it (and
// the agent: Setup after a restart finds the namespace and the address it
// had). Setup and Teardown are idempotent and safe for concurrent use.
package podnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
	"golang.org/x/sys/unix"
)

// DefaultPluginDir is where Debian installs the CNI plugins.
const DefaultPluginDir = "/usr/lib/cni"

// Config describes the node's pod network.
type Config struct {
	// PodCIDR is the node's pod range, e.g. 10.244.0.0/24. The first
	// address is the bridge's (the pods' gateway).
	PodCIDR string
	// Bridge is the Linux bridge's name (at most 15 bytes); default
	// "capstan0". Two agents on one machine need two bridges.
	Bridge string
	// PluginDirs hold the CNI plugins; default DefaultPluginDir.
	PluginDirs []string
	// DataDir holds the namespaces (netns/), the IPAM state (ipam/) and
	// the CNI result cache (cache/).
	DataDir string
	// MTU of the pods' interfaces; 0 lets the plugin choose.
	MTU int
}

// Network sets up and tears down pod networks.
type Network struct {
	cfg      Config
	cni      *libcni.CNIConfig
	list     *libcni.NetworkConfigList
	loopback *libcni.NetworkConfig

	mu sync.Mutex
	// locks serialise Setup and Teardown of one pod.
	locks map[string]*sync.Mutex
}

// New checks cfg and returns its Network. It changes nothing on the node.
func New(cfg Config) (*Network, error) {
	if cfg.Bridge == "" {
		cfg.Bridge = "capstan0"
	}
	if len(cfg.Bridge) > 15 {
		return nil, fmt.Errorf("podnet: bridge name %q longer than 15 bytes", cfg.Bridge)
	}
	if len(cfg.PluginDirs) == 0 {
		cfg.PluginDirs = []string{DefaultPluginDir}
	}
	if _, _, err := net.ParseCIDR(cfg.PodCIDR); err != nil {
		return nil, fmt.Errorf("podnet: pod CIDR: %w", err)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("podnet: no data directory")
	}
	for _, p := range []string{"bridge", "host-local", "loopback"} {
		if !pluginExists(cfg.PluginDirs, p) {
			return nil, fmt.Errorf("podnet: CNI plugin %q not found in %v (apt-get install containernetworking-plugins)", p, cfg.PluginDirs)
		}
	}
	bridge := map[string]any{
		"type":        "bridge",
		"bridge":      cfg.Bridge,
		"isGateway":   true,
		"ipMasq":      false,
		"hairpinMode": true,
		"ipam": map[string]any{
			"type":    "host-local",
			"ranges":  [][]map[string]string{{{"subnet": cfg.PodCIDR}}},
			"dataDir": filepath.Join(cfg.DataDir, "ipam"),
		},
	}
	if cfg.MTU > 0 {
		bridge["mtu"] = cfg.MTU
	}
	listJSON, err := json.Marshal(map[string]any{
		"cniVersion": "1.0.0",
		"name":       "capstan-" + cfg.Bridge,
		"plugins":    []any{bridge},
	})
	if err != nil {
		return nil, fmt.Errorf("podnet: %w", err)
	}
	list, err := libcni.ConfListFromBytes(listJSON)
	if err != nil {
		return nil, fmt.Errorf("podnet: network config: %w", err)
	}
	lo, err := libcni.ConfFromBytes([]byte(`{"cniVersion":"1.0.0","name":"capstan-lo","type":"loopback"}`))
	if err != nil {
		return nil, fmt.Errorf("podnet: loopback config: %w", err)
	}
	for _, d := range []string{"netns", "ipam", "cache"} {
		if err := os.MkdirAll(filepath.Join(cfg.DataDir, d), 0o700); err != nil {
			return nil, fmt.Errorf("podnet: %w", err)
		}
	}
	return &Network{cfg: cfg, list: list, loopback: lo, locks: map[string]*sync.Mutex{},
		cni: libcni.NewCNIConfigWithCacheDir(cfg.PluginDirs, filepath.Join(cfg.DataDir, "cache"), nil)}, nil
}

func pluginExists(dirs []string, name string) bool {
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, name)); err == nil && st.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// Bridge returns the bridge's name.
func (n *Network) Bridge() string { return n.cfg.Bridge }

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

func (n *Network) rtConf(uid, ifname string) *libcni.RuntimeConf {
	return &libcni.RuntimeConf{ContainerID: uid, NetNS: n.NSPath(uid), IfName: ifname}
}

// Setup gives pod uid its namespace and address, and returns the address
// and the namespace's path. A pod set up before (by this agent or one
// before it) keeps its namespace and address.
func (n *Network) Setup(ctx context.Context, uid string) (ip, nsPath string, err error) {
	defer n.lock(uid)()
	nsPath = n.NSPath(uid)
	if isNS(nsPath) {
		if cached, err := n.cni.GetNetworkListCachedResult(n.list, n.rtConf(uid, "eth0")); err == nil && cached != nil {
			if ip, err := firstIP(cached); err == nil {
				return ip, nsPath, nil
			}
		}
	} else if err := newNS(nsPath); err != nil {
		return "", "", err
	}
	if _, err := n.cni.AddNetwork(ctx, n.loopback, n.rtConf(uid, "lo")); err != nil {
		return "", "", fmt.Errorf("podnet: loopback for pod %s: %w", uid, err)
	}
	res, err := n.cni.AddNetworkList(ctx, n.list, n.rtConf(uid, "eth0"))
	if err != nil {
		_ = n.cni.DelNetworkList(ctx, n.list, n.rtConf(uid, "eth0"))
		return "", "", fmt.Errorf("podnet: network for pod %s: %w", uid, err)
	}
	ip, err = firstIP(res)
	if err != nil {
		return "", "", fmt.Errorf("podnet: network for pod %s: %w", uid, err)
	}
	return ip, nsPath, nil
}

// IP returns the address pod uid was given, if its network is set up.
func (n *Network) IP(uid string) (string, bool) {
	if !isNS(n.NSPath(uid)) {
		return "", false
	}
	cached, err := n.cni.GetNetworkListCachedResult(n.list, n.rtConf(uid, "eth0"))
	if err != nil || cached == nil {
		return "", false
	}
	ip, err := firstIP(cached)
	return ip, err == nil
}

// Teardown releases pod uid's address and removes its namespace. A pod
// without a network is not an error.
func (n *Network) Teardown(ctx context.Context, uid string) error {
	defer n.lock(uid)()
	nsPath := n.NSPath(uid)
	var errs []error
	rt := n.rtConf(uid, "eth0")
	if !isNS(nsPath) {
		rt.NetNS = "" // gone already: the plugins still release the address
	}
	if err := n.cni.DelNetworkList(ctx, n.list, rt); err != nil {
		errs = append(errs, fmt.Errorf("podnet: release network of pod %s: %w", uid, err))
	}
	if err := unix.Unmount(nsPath, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("podnet: unmount %s: %w", nsPath, err))
	}
	if err := os.Remove(nsPath); err != nil && !os.IsNotExist(err) {
		errs = append(errs, fmt.Errorf("podnet: %w", err))
	}
	n.mu.Lock()
	delete(n.locks, uid)
	n.mu.Unlock()
	return errors.Join(errs...)
}

// firstIP returns the first IPv4 address of a CNI result.
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

func firstIP(r types.Result) (string, error) {
	res, err := types100.NewResultFromResult(r)
	if err != nil {
		return "", err
	}
	for _, ipc := range res.IPs {
		if ip4 := ipc.Address.IP.To4(); ip4 != nil {
			return ip4.String(), nil
		}
	}
	return "", errors.New("no IPv4 address in the CNI result")
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
