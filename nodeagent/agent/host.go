package agent

import (
	"bufio"
	"fmt"
	"net"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// HostNode fills what cfg leaves empty from this host: capacity (cpu
// count, memory from /proc/meminfo, 110 pods), the kubernetes.io/hostname,
// os and arch labels, the node's InternalIP (nodeIP, or the first
// non-loopback IPv4 address) and the node info.
func HostNode(cfg node.Config, nodeIP, version string) (node.Config, error) {
	if cfg.Capacity == nil {
		mem, err := memTotal()
		if err != nil {
			return cfg, err
		}
		cfg.Capacity = api.ResourceList{
			api.ResourceCPU:    api.NewQuantity(int64(goruntime.NumCPU()), api.DecimalSI),
			api.ResourceMemory: api.NewQuantity(mem, api.BinarySI),
			api.ResourcePods:   api.NewQuantity(110, api.DecimalSI),
		}
	}
	labels := map[string]string{}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	setDefault := func(k, v string) {
		if _, ok := labels[k]; !ok {
			labels[k] = v
		}
	}
	setDefault("kubernetes.io/hostname", cfg.NodeName)
	setDefault("kubernetes.io/os", goruntime.GOOS)
	setDefault("kubernetes.io/arch", goruntime.GOARCH)
	cfg.Labels = labels
	if len(cfg.Addresses) == 0 {
		if nodeIP == "" {
			nodeIP = firstIPv4()
		}
		if nodeIP != "" {
			cfg.Addresses = append(cfg.Addresses, api.NodeAddress{Type: "InternalIP", Address: nodeIP})
		}
		cfg.Addresses = append(cfg.Addresses, api.NodeAddress{Type: "Hostname", Address: cfg.NodeName})
	}
	if cfg.NodeInfo.OperatingSystem == "" {
		cfg.NodeInfo.OperatingSystem, cfg.NodeInfo.Architecture = goruntime.GOOS, goruntime.GOARCH
		cfg.NodeInfo.KubeletVersion = "capstan-" + version
		if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
			cfg.NodeInfo.KernelVersion = strings.TrimSpace(string(b))
		}
		if b, err := os.ReadFile("/etc/machine-id"); err == nil {
			cfg.NodeInfo.MachineID = strings.TrimSpace(string(b))
		}
	}
	return cfg, nil
}

func memTotal() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("agent: memory capacity: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("agent: memory capacity: %w", err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("agent: no MemTotal in /proc/meminfo")
}

func firstIPv4() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, ad := range addrs {
			if ipn, ok := ad.(*net.IPNet); ok && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	return ""
}
