package simtest

import (
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/sim"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/model"
)

// Options change how Run runs a schedule.
type Options struct {
	// StopAt, if positive, ends the run after the check at that time:
	// no heal, no liveness checks unless it is past the quiet period.
	StopAt time.Duration
	// KeepLog keeps the sim's event log in the Result (for the
	// determinism check).
	KeepLog bool
	// Transcript keeps every command run in the Result (for
	// ScenarioText).
	Transcript bool
	// CopyObjects makes the cluster's store copy objects in and out
	// instead of sharing them (core/sim's default; the runner shares, which
	// is faster and, with every component treating objects as immutable,
	// the same run).
	CopyObjects bool
	// Inspect, if set, is given the cluster at the end of the run.
	Inspect func(*sim.Cluster)
}

// Result is what one run found.
type Result struct {
	Schedule *Schedule
	// Failure is the first failed check, nil if none.
	Failure  *Failure
	Figures  Figures
	Coverage Coverage
	// Transcript is every command run, in order, with its output: the
	// scenario file (see ScenarioText).
	Transcript []Executed
	// Log is the sim's event log, if Options.KeepLog.
	Log string
	// Mismatches are the outputs that differ from a replayed scenario's
	// (see Replay).
	Mismatches []string
}

// Executed is one command run, at a time, and what it answered.
type Executed struct {
	At              time.Duration
	Line, Body, Out string
}

// Figures count what the checks covered.
type Figures struct {
	Seeds int
	// Virtual is the virtual time run; Steps the sim's events
	// processed; Writes the store writes checked (every revision).
	Virtual time.Duration
	Steps   uint64
	Writes  int
	// Checks counts grid points checked, Binds the bindings judged,
	// Quiescent the quiescent points judged.
	Checks, Binds, Quiescent int
	// Evals counts evaluations of each invariant.
	Evals map[string]int
}

// Add adds o to f.
func (f *Figures) Add(o *Figures) {
	f.Seeds += o.Seeds
	f.Virtual += o.Virtual
	f.Steps += o.Steps
	f.Writes += o.Writes
	f.Checks += o.Checks
	f.Binds += o.Binds
	f.Quiescent += o.Quiescent
	if f.Evals == nil {
		f.Evals = map[string]int{}
	}
	for k, v := range o.Evals {
		f.Evals[k] += v
	}
}

// compactEvery is how often the runner compacts the store's history, as
// core/sim would (the runner's cluster has its own compaction off: the
// runner reads the write log only at grid points, and must not lose the
// writes in between).
const compactEvery = 5 * time.Minute

// session is one cluster under check: the interpreter that runs the
// commands, the checker, the clock on the grid.
type session struct {
	in         *sim.Interpreter
	c          *sim.Cluster
	ck         *checker
	res        *Result
	now        time.Duration
	transcript bool
	// last is the output of the last command.
	last string
}

func newSession(s *Schedule, res *Result, opts Options) *session {
	ss := &session{in: sim.NewInterpreter(sim.Config{CompactEvery: -1, ShareObjects: !opts.CopyObjects}), res: res,
		transcript: opts.Transcript}
	ss.exec(s.Init, "")
	ss.c = ss.in.Cluster()
	ss.ck = newChecker(ss.c, s, &res.Figures)
	ss.ck.cov = res.Coverage
	return ss
}

func (ss *session) exec(line, body string) string {
	cmd, err := sim.ParseCommandLine(line)
	out := ""
	if err != nil {
		out = "error: " + err.Error() + "\n"
	} else {
		cmd.Input = body
		out = ss.in.Exec(cmd)
	}
	if ss.transcript {
		ss.res.Transcript = append(ss.res.Transcript, Executed{At: ss.now, Line: line, Body: body, Out: out})
	}
	ss.last = out
	return out
}

// command runs one user command or fault, with what the checker needs to
// know of it before and after.
func (ss *session) command(line, body string) {
	kind := classify(line)
	ss.ck.noteAction(Item{Kind: kind, Line: line, Body: body})
	before := ss.ck.before(line)
	out := ss.exec(line, body)
	ss.ck.faults.note(kind, line, out, ss.now)
	ss.ck.after(line, out, before)
}

// tick runs one grid step and checks.
func (ss *session) tick() {
	ss.exec("tick "+fmtDur(Grid), "")
	ss.now += Grid
	ss.ck.check(ss.now)
	if ss.now%compactEvery == 0 {
		if rev, _ := ss.c.Store().Revision(); rev > ss.c.Memory().CompactedRevision() {
			if err := ss.c.Memory().Compact(rev); err != nil {
				panic("simtest: compact: " + err.Error())
			}
		}
	}
}

// Run runs a schedule: the setup, then every grid step its items and a
// tick, with the safety checks after each; at Active it heals every fault
// and fixes every broken image, runs Quiet, and checks liveness.
func Run(s *Schedule, opts Options) *Result {
	res := &Result{Schedule: s, Figures: Figures{Seeds: 1, Evals: map[string]int{}}, Coverage: Coverage{}}
	ss := newSession(s, res, opts)
	end := s.Active + s.Quiet
	if opts.StopAt > 0 {
		end = min(end, opts.StopAt)
	}
	i := 0
	for {
		ran := false
		for ; i < len(s.Items) && s.Items[i].At <= ss.now; i++ {
			if s.Items[i].Kind == Setup {
				ss.exec(s.Items[i].Line, s.Items[i].Body)
			} else {
				ss.command(s.Items[i].Line, s.Items[i].Body)
			}
			ran = true
		}
		if ss.now == s.Active {
			ss.heal()
			ran = true
		}
		if ran {
			ss.ck.check(ss.now)
		}
		if ss.ck.fail != nil || ss.now >= end {
			break
		}
		ss.tick()
		if ss.ck.fail != nil {
			break
		}
	}
	if ss.ck.fail == nil && ss.now >= s.Active+s.Quiet {
		ss.ck.liveness()
	}
	if opts.Inspect != nil {
		opts.Inspect(ss.c)
	}
	res.Failure = ss.ck.fail
	res.Figures.Steps = ss.c.Steps()
	res.Figures.Virtual = ss.c.Elapsed()
	if opts.KeepLog {
		res.Log = ss.c.LogText()
	}
	return res
}

// classify tells faults from user actions by the command.
func classify(line string) Kind {
	name, rest, _ := strings.Cut(line, " ")
	switch name {
	case "crash-node", "restart-node", "partition", "heal", "crash-container", "fail-next-write",
		"restart-control-plane", "delay-watch", "reorder-watch":
		return Fault
	case "set-image":
		if _, img, ok := strings.Cut(rest, "="); ok && !healthy(img) {
			return Fault
		}
	case "image":
		// A behaviour changed mid-run changes how containers fail.
		return Fault
	case "add-node", "init":
		return Setup
	}
	return Action
}

// heal ends every fault at the end of the active phase: crashed nodes
// restart, partitions heal, the watch is neither delayed nor reordered,
// cordons are lifted, the unhealthy images get a good build under the same
// tag, paused Deployments resume, Deployments on an unhealthy image roll
// to a healthy one, orphaned ReplicaSets go. User commands that meet an
// injected conflict are retried, as kubectl's user would.
func (ss *session) heal() {
	for _, l := range strings.Split(ss.c.DescribeNodes(), "\n") {
		name, _, _ := strings.Cut(l, " ")
		if strings.Contains(l, "(down)") {
			ss.command("restart-node "+name, "")
		}
		// A node may be down and cut off at once: DescribeNodes then
		// says only "(down)".
		if strings.Contains(l, "(partitioned)") || ss.ck.faults.partitioned[name] {
			ss.command("heal "+name, "")
		}
		if strings.Contains(l, " unschedulable") {
			ss.retry("uncordon " + name)
		}
	}
	if len(ss.ck.faults.delays) > 0 {
		ss.command("delay-watch 0", "")
	}
	if ss.ck.faults.reorder {
		ss.command("reorder-watch off", "")
	}
	for _, img := range unhealthyImages {
		if ss.ck.faults.images[img] {
			ss.command("image "+img, "")
		}
	}
	list := func(res string) []api.Object {
		l, err := ss.c.Store().List(api.KeyFor(res, "", ""), store.ListOptions{})
		if err != nil {
			panic("simtest: list: " + err.Error())
		}
		return l.Items
	}
	for _, o := range list("deployments") {
		d := o.(*api.Deployment)
		if d.DeletionTimestamp != nil {
			continue
		}
		if d.Spec.Paused {
			ss.retry("resume deployment/" + d.Name)
		}
		if img := d.Spec.Template.Spec.Containers[0].Image; !healthy(img) {
			ss.retry("set-image deployment/" + d.Name + " app=app:v1")
		}
	}
	for _, o := range list("replicasets") {
		rs := o.(*api.ReplicaSet)
		if len(rs.OwnerReferences) == 0 && rs.DeletionTimestamp == nil {
			ss.retry("delete rs/" + rs.Name)
		}
	}
}

// retry runs a user command until it does not fail with a conflict (at
// most five times).
func (ss *session) retry(line string) {
	for range 5 {
		ss.command(line, "")
		if out := ss.last; !strings.Contains(out, "onflict") && !strings.Contains(out, "cannot be fulfilled") {
			return
		}
	}
}

// liveness checks, after the quiet period, that the cluster got where it
// should: Deployments available, Endpoints complete and matching their
// selectors at quiescence, and a fixpoint for the last three minutes.
func (ck *checker) liveness() {
	s := ck.snapshot()
	var vs []model.Violation
	ck.eval("DeploymentsAvailable")
	vs = append(vs, model.DeploymentsAvailable(s)...)
	for _, d := range s.Deployments {
		if !d.Spec.Paused && d.DeletionTimestamp == nil && model.LacksCapacity(s, d) {
			ck.cov.hit(CovCapacityExcused)
		}
	}
	ck.eval("EndpointsComplete")
	vs = append(vs, model.EndpointsComplete(s)...)
	if !ck.quiescent() {
		vs = append(vs, model.Violation{Invariant: "Quiescence", Object: "control plane",
			Message: "still busy after the quiet period (work pending, or writes other than heartbeats in the last two seconds)"})
	} else {
		ck.eval("EndpointsMatchSelector")
		vs = append(vs, model.EndpointsMatchSelector(s)...)
	}
	ck.eval("GarbageCollected")
	vs = append(vs, garbageCollected(s)...)
	since := int64(0)
	var tail model.History
	for i, w := range ck.hist {
		if ck.histAt[i] <= ck.now-fixpointWindow {
			since = w.Revision
			continue
		}
		if !ck.hb[i] {
			tail = append(tail, w)
		}
	}
	ck.eval("Fixpoint")
	vs = append(vs, model.Fixpoint(tail, since, "Lease", "Event")...)
	ck.violate("liveness", vs)
}

// fixpointWindow is how long before the end nothing but heartbeats may be
// written.
const fixpointWindow = 3 * time.Minute

// garbageCollected (liveness, the runner's own: model/ has no such
// property): at the end no Pod or ReplicaSet has an owner reference to a
// Deployment or ReplicaSet that is gone (or is another object by that
// name): the garbage collector deleted the dependents of every owner
// deleted in the background or foreground, and orphaning removed the
// references.
func garbageCollected(s *model.Snapshot) []model.Violation {
	uids := map[string]string{}
	for _, d := range s.Deployments {
		uids["Deployment/"+d.Namespace+"/"+d.Name] = d.UID
	}
	for _, rs := range s.ReplicaSets {
		uids["ReplicaSet/"+rs.Namespace+"/"+rs.Name] = rs.UID
	}
	var out []model.Violation
	check := func(kind string, m *api.ObjectMeta) {
		for _, r := range m.OwnerReferences {
			if r.Kind != "Deployment" && r.Kind != "ReplicaSet" {
				continue
			}
			if uid, ok := uids[r.Kind+"/"+m.Namespace+"/"+r.Name]; !ok || (r.UID != "" && uid != r.UID) {
				out = append(out, model.Violation{Invariant: "GarbageCollected", Object: kind + " " + m.Namespace + "/" + m.Name,
					Message: "owner " + r.Kind + " " + r.Name + " (uid " + r.UID + ") is gone"})
			}
		}
	}
	for _, p := range s.Pods {
		check("Pod", &p.ObjectMeta)
	}
	for _, rs := range s.ReplicaSets {
		check("ReplicaSet", &rs.ObjectMeta)
	}
	return out
}
