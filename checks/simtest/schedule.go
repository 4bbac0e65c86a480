package simtest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Grid is the step of the runner's clock: every item of a schedule is at
// a multiple of it, and the checks run after every Grid of virtual time
// (see Run).
const Grid = time.Second

// Kind says what an item of a schedule is.
type Kind uint8

// The kinds of items.
const (
	// Setup items build the workload at time 0: nodes, image
	// behaviours, manifests.
	Setup Kind = iota
	// Action items are what a user does: scale, set-image, rollout-undo,
	// pause, resume, delete, cordon.
	Action
	// Fault items break something: node crash and restart, partition and
	// heal, container crashes, write conflicts, watch delay and reorder,
	// control-plane restarts, a rollout to a crashing image.
	Fault
)

func (k Kind) String() string {
	switch k {
	case Setup:
		return "setup"
	case Action:
		return "action"
	}
	return "fault"
}

// Item is one scenario command at a time of the run.
type Item struct {
	// At is when the item runs, a multiple of Grid from the start.
	At   time.Duration
	Kind Kind
	// Line is the command line, as a core/sim scenario says it; Body is
	// the manifests of an apply.
	Line string
	Body string
}

func (it Item) String() string {
	return fmt.Sprintf("%s %s: %s", fmtDur(it.At), it.Kind, it.Line)
}

// Schedule is everything one seed runs: the cluster's init line, the
// workload and the timed actions and faults. Run replays it; the shrinker
// drops items from it.
type Schedule struct {
	Seed uint64
	// Init is the first command: "init seed=N jitter=... grace=...".
	Init string
	// Calm: no faults and only healthy images, so that the checks that
	// assume a fault-free run (RollingUpdateBounds' availability half
	// everywhere, BindingsWereFeasible with no stale-view excuse) hold
	// throughout.
	Calm bool
	// Active is how long actions and faults go on; then everything is
	// healed and the cluster is left alone for Quiet before the liveness
	// checks.
	Active, Quiet time.Duration
	// Items are sorted by At; items at one time run in order.
	Items []Item
}

// sortItems orders the items by time, keeping the order of items at one
// time.
func (s *Schedule) sortItems() {
	slices.SortStableFunc(s.Items, func(a, b Item) int { return int(a.At - b.At) })
}

// Without returns a copy of s without item i.
func (s *Schedule) Without(i int) *Schedule {
	c := *s
	c.Items = append(append([]Item(nil), s.Items[:i]...), s.Items[i+1:]...)
	return &c
}

// Counts returns the number of items of each kind.
func (s *Schedule) Counts() (setup, actions, faults int) {
	for _, it := range s.Items {
		switch it.Kind {
		case Setup:
			setup++
		case Action:
			actions++
		default:
			faults++
		}
	}
	return
}

// Describe lists the schedule, one item a line.
func (s *Schedule) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d (%s): %s, active %s, quiet %s\n", s.Seed, map[bool]string{true: "calm", false: "faulty"}[s.Calm],
		s.Init, fmtDur(s.Active), fmtDur(s.Quiet))
	for _, it := range s.Items {
		b.WriteString("  " + it.String() + "\n")
	}
	return b.String()
}

// fmtDur renders a duration as scenarios write them ("1m30s", "250ms").
func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := d.String()
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}
