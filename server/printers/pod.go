package printers

import (
	"fmt"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

func init() {
	printers["Pod"] = printer{
		columns: []Column{
			nameColumn,
			col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
			col("Status", "string", "The aggregate status of the containers in this pod."),
			col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
			ageColumn,
			wide(col("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.")),
			wide(col("Node", "string", "NodeName is a request to schedule this pod onto a specific node.")),
			wide(col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node.")),
			wide(col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.")),
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) { return podRow(o.(*api.Pod), now) },
	}
}

// nodeUnreachablePodReason is the status reason the node lifecycle
// controller gives the pods of an unreachable node.
const nodeUnreachablePodReason = "NodeLost"

// PodStatus returns the STATUS column of a pod, and its READY and
// RESTARTS columns, as kubectl computes them.
func PodStatus(p *api.Pod, now api.Time) (status, ready, restarts string) {
	s, r, rs, _ := podColumns(p, now)
	return s, r, rs
}

func podRow(p *api.Pod, now api.Time) ([]any, []RowCondition) {
	reason, ready, restarts, _ := podColumns(p, now)
	ip := p.Status.PodIP
	if len(p.Status.PodIPs) > 0 {
		ip = p.Status.PodIPs[0].IP
	}
	cells := []any{p.Name, ready, reason, restarts, Since(p.CreationTimestamp, now),
		none(ip), none(p.Spec.NodeName), none(p.Status.NominatedNodeName), "<none>"}
	var conds []RowCondition
	switch p.Status.Phase {
	case api.PodSucceeded:
		conds = []RowCondition{{Type: "Completed", Status: api.ConditionTrue, Reason: api.PodSucceeded, Message: "The pod has completed successfully."}}
	case api.PodFailed:
		conds = []RowCondition{{Type: "Completed", Status: api.ConditionTrue, Reason: api.PodFailed, Message: "The pod failed."}}
	}
	return cells, conds
}

// podColumns follows kubectl's printPod: the reason starts as the phase (or
// the status reason), init containers that have not all succeeded say
// Init:..., then the last container with a waiting or terminated reason
// decides, and a deleted pod is Terminating (or Unknown if its node is
// lost).
func podColumns(p *api.Pod, now api.Time) (reason, ready, restartsStr string, lastRestart api.Time) {
	restarts, readyContainers := 0, 0
	total := len(p.Spec.Containers)
	reason = p.Status.Phase
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	initializing := false
	for i, c := range p.Status.InitContainerStatuses {
		restarts += int(c.RestartCount)
		lastRestart = later(lastRestart, c.LastState)
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case c.State.Terminated != nil:
			t := c.State.Terminated
			switch {
			case t.Reason != "":
				reason = "Init:" + t.Reason
			case t.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + c.State.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing || podCondition(p, api.PodInitialized) {
		restarts = 0
		hasRunning := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := p.Status.ContainerStatuses[i]
			restarts += int(c.RestartCount)
			lastRestart = later(lastRestart, c.LastState)
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				reason = c.State.Waiting.Reason
			case c.State.Terminated != nil && c.State.Terminated.Reason != "":
				reason = c.State.Terminated.Reason
			case c.State.Terminated != nil && c.State.Terminated.Signal != 0:
				reason = fmt.Sprintf("Signal:%d", c.State.Terminated.Signal)
			case c.State.Terminated != nil:
				reason = fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode)
			case c.Ready && c.State.Running != nil:
				hasRunning = true
				readyContainers++
			}
		}
		// A pod with a container still running is not Completed.
		if reason == "Completed" && hasRunning {
			reason = "NotReady"
			if podCondition(p, api.PodReady) {
				reason = "Running"
			}
		}
	}
	if p.DeletionTimestamp != nil && p.Status.Reason == nodeUnreachablePodReason {
		reason = "Unknown"
	} else if p.DeletionTimestamp != nil && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
		reason = "Terminating"
	}
	restartsStr = strconv.Itoa(restarts)
	if restarts != 0 && !lastRestart.IsZero() {
		restartsStr = fmt.Sprintf("%d (%s ago)", restarts, Since(lastRestart, now))
	}
	return reason, fmt.Sprintf("%d/%d", readyContainers, total), restartsStr, lastRestart
}

func later(t api.Time, last api.ContainerState) api.Time {
	if last.Terminated != nil && last.Terminated.FinishedAt.After(t) {
		return last.Terminated.FinishedAt
	}
	return t
}

func podCondition(p *api.Pod, typ string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
