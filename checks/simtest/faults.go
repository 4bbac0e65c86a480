package simtest

import (
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/sim"
)

// faultState is what the runner knows of the faults in force, from the
// commands it ran and what they answered.
type faultState struct {
	// delays are the watch delays set, in order.
	delays []delayChange
	// reorder: the control plane's deliveries are shuffled.
	reorder           bool
	down, partitioned map[string]bool
	// images are the images set by set-image commands.
	images map[string]bool
	// lastFault is when the last fault (or heal) happened; any is false
	// until one has.
	lastFault time.Duration
	any       bool
}

type delayChange struct {
	at, d time.Duration
}

func (f *faultState) init() {
	f.down, f.partitioned = map[string]bool{}, map[string]bool{}
	f.images = map[string]bool{}
}

// active reports whether a fault is in force now: a node down or cut off,
// a delayed or reordered watch.
func (f *faultState) active(now time.Duration) bool {
	if f.reorder || f.delayAround(now) > 0 {
		return true
	}
	for _, v := range f.down {
		if v {
			return true
		}
	}
	for _, v := range f.partitioned {
		if v {
			return true
		}
	}
	return false
}

// since reports whether no fault happened in the last d.
func (f *faultState) quietFor(now, d time.Duration) bool {
	return !f.any || now-f.lastFault >= d
}

// note records a command the runner ran at now and its output.
func (f *faultState) note(kind Kind, line, out string, now time.Duration) {
	if strings.Contains(out, "error:") {
		return
	}
	cmd, err := sim.ParseCommandLine(line)
	if err != nil {
		return
	}
	arg := ""
	if len(cmd.Args) > 0 {
		arg = cmd.Args[0].Key
	}
	fault := kind == Fault
	switch cmd.Name {
	case "crash-node":
		f.down[arg], fault = true, true
	case "restart-node":
		f.down[arg], fault = false, true
	case "partition":
		f.partitioned[arg], fault = true, true
	case "heal":
		f.partitioned[arg], fault = false, true
	case "delay-watch":
		d, err := sim.ParseDuration(arg)
		if err == nil {
			f.delays = append(f.delays, delayChange{at: now, d: d})
		}
		fault = true
	case "reorder-watch":
		f.reorder, fault = arg != "off", true
	case "set-image":
		for _, a := range cmd.Args {
			if len(a.Vals) == 1 {
				f.images[a.Vals[0]] = true
			}
		}
	case "crash-container", "fail-next-write", "restart-control-plane":
		fault = true
	}
	if fault {
		f.lastFault, f.any = now, true
	}
}
