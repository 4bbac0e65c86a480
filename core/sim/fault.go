package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// FaultKind is what a Fault does.
type FaultKind uint8

// The faults.
const (
	// FaultCrashNode stops a node's machine; its containers go too unless
	// KeepContainers.
	FaultCrashNode FaultKind = iota + 1
	// FaultRestartNode starts a crashed node with a fresh machine.
	FaultRestartNode
	// FaultPartition cuts a node off the control plane; FaultHeal ends it.
	FaultPartition
	FaultHeal
	// FaultCrashContainer ends a container's process with Code (or as
	// OOMKilled).
	FaultCrashContainer
	// FaultFailWrites fails the next matching store writes with Conflict.
	FaultFailWrites
	// FaultRestartControlPlane replaces the control-plane machine.
	FaultRestartControlPlane
	// FaultWatchDelay delays the control plane's watch by Delay;
	// FaultWatchReorder shuffles it (On).
	FaultWatchDelay
	FaultWatchReorder
)

// Fault is a fault as data, so that it can be scheduled, logged and
// replayed.
type Fault struct {
	Kind FaultKind
	// Node names the node of node faults.
	Node string
	// Namespace, Pod and Container name the container of
	// FaultCrashContainer; Code is its exit code, OOM makes it OOMKilled.
	Namespace, Pod, Container string
	Code                      int32
	OOM                       bool
	KeepContainers            bool
	Writes                    WriteFault
	Delay                     time.Duration
	On                        bool
}

// Describe returns the fault as a scenario command would say it.
func (f Fault) Describe() string {
	switch f.Kind {
	case FaultCrashNode:
		if f.KeepContainers {
			return "crash-node " + f.Node + " keep-containers"
		}
		return "crash-node " + f.Node
	case FaultRestartNode:
		return "restart-node " + f.Node
	case FaultPartition:
		return "partition " + f.Node
	case FaultHeal:
		return "heal " + f.Node
	case FaultCrashContainer:
		s := fmt.Sprintf("crash-container %s/%s/%s", f.Namespace, f.Pod, f.Container)
		if f.OOM {
			return s + " oom"
		}
		return s + fmt.Sprintf(" code=%d", f.Code)
	case FaultFailWrites:
		var parts []string
		if f.Writes.Op != "" {
			parts = append(parts, "op="+f.Writes.Op)
		}
		if f.Writes.KeyPrefix != "" {
			parts = append(parts, "prefix="+f.Writes.KeyPrefix)
		}
		parts = append(parts, fmt.Sprintf("count=%d", max(1, f.Writes.Count)))
		return "fail-next-write " + strings.Join(parts, " ")
	case FaultRestartControlPlane:
		return "restart-control-plane"
	case FaultWatchDelay:
		return "delay-watch " + formatDuration(f.Delay)
	case FaultWatchReorder:
		if f.On {
			return "reorder-watch on"
		}
		return "reorder-watch off"
	}
	return fmt.Sprintf("fault(%d)", f.Kind)
}

// Inject applies a fault now.
func (c *Cluster) Inject(f Fault) error {
	err := c.apply(f)
	c.pump()
	return err
}

// ScheduleFault queues a fault to happen after d.
func (c *Cluster) ScheduleFault(d time.Duration, f Fault) {
	c.logf("fault", "scheduled in %s: %s", formatDuration(d), f.Describe())
	c.schedule(event{at: c.now + api.Time(d), kind: evFault})
	c.faults[c.seq] = f
}

func (c *Cluster) apply(f Fault) error {
	c.logf("fault", "%s", f.Describe())
	switch f.Kind {
	case FaultCrashNode:
		return c.CrashNode(f.Node, f.KeepContainers)
	case FaultRestartNode:
		return c.RestartNode(f.Node)
	case FaultPartition:
		return c.Partition(f.Node)
	case FaultHeal:
		return c.Heal(f.Node)
	case FaultCrashContainer:
		return c.CrashContainer(f.Namespace, f.Pod, f.Container, f.Code, f.OOM)
	case FaultFailWrites:
		c.st.FailNext(f.Writes)
	case FaultRestartControlPlane:
		c.RestartControlPlane()
	case FaultWatchDelay:
		c.SetWatchDelay(f.Delay)
	case FaultWatchReorder:
		c.SetWatchReorder(f.On)
	default:
		return fmt.Errorf("unknown fault %d", f.Kind)
	}
	return nil
}
