package agent_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/nodeagent/agent"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/runtime"
)

// traceLog is a slog.Handler keeping the agent's and the runtime's timing
// records (agent.ActionMessage, agent.StatusMessage,
// runtime.PhaseMessage), to break a pod's startup down into phases.
type traceLog struct {
	mu   sync.Mutex
	recs []traceRec
}

type traceRec struct {
	at           time.Time // when the step ended
	msg          string
	pod, what    string // what: the action's kind, the status's phase, the runtime's phase
	queued, took time.Duration
}

func (l *traceLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *traceLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *traceLog) WithGroup(string) slog.Handler            { return l }

func (l *traceLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		fmt.Fprintf(os.Stderr, "agent: %s %s\n", r.Level, r.Message)
	}
	if r.Message != agent.ActionMessage && r.Message != agent.StatusMessage && r.Message != runtime.PhaseMessage {
		return nil
	}
	rec := traceRec{at: r.Time, msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "pod":
			rec.pod = a.Value.String()
		case "what", "phase":
			rec.what = a.Value.String()
		case "queued":
			rec.queued = a.Value.Duration()
		case "took":
			rec.took = a.Value.Duration()
		}
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, rec)
	l.mu.Unlock()
	return nil
}

// reset forgets every record.
func (l *traceLog) reset() {
	l.mu.Lock()
	l.recs = nil
	l.mu.Unlock()
}

// breakdown splits each pod's way from creation to its Running status
// observed into consecutive segments (they add up to the latency), plus
// the runtime's phases inside the actions, and returns each one's mean
// over the pods, in order.
func (l *traceLog) breakdown(pods []podTiming) []segment {
	l.mu.Lock()
	defer l.mu.Unlock()
	type key struct{ msg, what string }
	byPod := map[string]map[key]traceRec{}
	for _, r := range l.recs {
		m := byPod[r.pod]
		if m == nil {
			m = map[key]traceRec{}
			byPod[r.pod] = m
		}
		k := key{r.msg, r.what}
		if _, ok := m[k]; !ok { // the first of its kind: a pod's first attempt
			m[k] = r
		}
	}
	var order []string
	sums := map[string]time.Duration{}
	ns := map[string]int{}
	add := func(name string, d time.Duration) {
		if _, ok := sums[name]; !ok {
			order = append(order, name)
		}
		sums[name] += d
		ns[name]++
	}
	steps := []key{{agent.ActionMessage, "EnsureImage"}, {agent.ActionMessage, "CreateContainer"},
		{agent.ActionMessage, "StartContainer"}, {agent.StatusMessage, "Running"}}
	inner := map[string][]string{
		"CreateContainer": {"image", "network", "snapshot", "spec", "container"},
		"StartContainer":  {"load", "task", "wait", "start", "label"},
	}
	for _, p := range pods {
		m := byPod[p.uid]
		prev := p.created
		complete := true
		for _, s := range steps {
			if _, ok := m[s]; !ok {
				complete = false
			}
		}
		if !complete {
			continue
		}
		for _, s := range steps {
			r := m[s]
			emitted := r.at.Add(-r.took - r.queued)
			add("→ "+s.what+" emitted", emitted.Sub(prev))
			add("  "+s.what+" queued", r.queued)
			add("  "+s.what+" ran", r.took)
			for _, ph := range inner[s.what] {
				if ir, ok := m[key{runtime.PhaseMessage, ph}]; ok {
					add("    "+ph, ir.took)
				}
			}
			prev = r.at
		}
		add("→ Running observed", p.running.Sub(prev))
	}
	out := make([]segment, 0, len(order))
	for _, name := range order {
		out = append(out, segment{name, sums[name] / time.Duration(ns[name])})
	}
	return out
}

type segment struct {
	name string
	mean time.Duration
}

// podTiming is one pod's creation and Running status, as the benchmark
// saw them.
type podTiming struct {
	uid              string
	created, running time.Time
}

// cpuUsage is the CPU time (user + system) of the processes a pod's
// startup involves, by pid: the benchmark's process (the agent and the
// in-memory API), containerd, and the live shims, each with its children
// waited for apart (the processes the agent runs; the shim start
// commands containerd runs; the runc commands the shims run).
type cpuUsage map[int]procTimes

type procTimes struct{ own, children time.Duration }

// cpuOf reads the CPU usage of the processes involved with daemon d.
func cpuOf(d *containerdtest.Daemon) (cpuUsage, error) {
	u := cpuUsage{}
	pids, err := containerdtest.ShimPIDs(d.Socket)
	if err != nil {
		return nil, err
	}
	pids = append(pids, d.PID(), os.Getpid())
	for _, pid := range pids {
		if t, err := procCPU(pid); err == nil {
			u[pid] = t
		}
	}
	return u, nil
}

// cpuSplit is CPU time spent, by whom.
type cpuSplit struct {
	agent, plugins, containerd, shims time.Duration
}

func (c cpuSplit) total() time.Duration { return c.agent + c.plugins + c.containerd + c.shims }

func (c cpuSplit) add(o cpuSplit) cpuSplit {
	return cpuSplit{c.agent + o.agent, c.plugins + o.plugins, c.containerd + o.containerd, c.shims + o.shims}
}

// since returns the CPU used from before to u.
func (u cpuUsage) since(before cpuUsage, d *containerdtest.Daemon) cpuSplit {
	var s cpuSplit
	for pid, t := range u {
		b := before[pid] // a new shim: all of it
		own, children := t.own-b.own, t.children-b.children
		switch pid {
		case os.Getpid():
			s.agent += own
			s.plugins += children
		case d.PID():
			s.containerd += own + children
		default:
			s.shims += own + children
		}
	}
	return s
}

// procCPU reads pid's utime + stime and cutime + cstime (/proc/PID/stat,
// in clock ticks of 10 ms).
func procCPU(pid int) (procTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // from field 3, state
	var ticks [4]int64
	for i := range ticks { // fields 14-17
		if ticks[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return procTimes{}, err
		}
	}
	tick := 10 * time.Millisecond
	return procTimes{own: time.Duration(ticks[0]+ticks[1]) * tick, children: time.Duration(ticks[2]+ticks[3]) * tick}, nil
}
