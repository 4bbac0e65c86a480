package sim

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// richScenario exercises most of the cluster at once: jitter, rollouts,
// crash loops, probes, node crash and restart, a partition, injected
// conflicts, a delayed and reordered watch, a control-plane restart.
const richScenario = `
init seed=SEED jitter=300ms
----

add-node n1 n2 n3 zone=a
----

add-node n4 n5 zone=b
----

image app:v2 readiness=ok-after-4s
----

apply
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 8
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 2, maxUnavailable: 1}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: app
        image: app:v1
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 2}
---
apiVersion: v1
kind: Pod
metadata:
  name: flaky
  annotations: {sim.capstan.dev/exit-after: 7s, sim.capstan.dev/exit-code: "3"}
spec:
  containers: [{name: app, image: busybox:1.36}]
----

tick 20s
----

fail-next-write kind=pods count=4
----

reorder-watch on
----

set-image deployment/web app=app:v2
----

schedule 5s crash-node n2
----

schedule 9s partition n4
----

tick 12s
----

restart-control-plane
----

delay-watch 2s
----

tick 30s
----

restart-node n2
----

heal n4
----

scale deployment/web 5
----

delay-watch 0s
----

tick 8m
----

describe all
----
`

// runScript runs a scenario text and returns the interpreter.
func runScript(t *testing.T, text string) *Interpreter {
	t.Helper()
	cmds, err := ParseScenario(text)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInterpreter(Config{})
	for _, cmd := range cmds {
		if out := in.Exec(cmd); strings.HasPrefix(out, "error:") {
			t.Fatalf("line %d: %s: %s", cmd.Line, cmd, out)
		}
	}
	return in
}

// TestSameSeedSameLog: the same seed and inputs give the same event log,
// byte for byte; another seed gives another run.
func TestSameSeedSameLog(t *testing.T) {
	a := runScript(t, strings.Replace(richScenario, "SEED", "7", 1)).Cluster()
	b := runScript(t, strings.Replace(richScenario, "SEED", "7", 1)).Cluster()
	if a.LogText() != b.LogText() {
		t.Fatalf("two runs with seed 7 differ:\n%s", firstDiff(a.LogText(), b.LogText()))
	}
	if a.Describe() != b.Describe() {
		t.Fatal("two runs with seed 7 end in different states")
	}
	if len(a.Log()) < 300 {
		t.Fatalf("the rich scenario logged only %d lines", len(a.Log()))
	}
	c := runScript(t, strings.Replace(richScenario, "SEED", "8", 1)).Cluster()
	if a.LogText() == c.LogText() {
		t.Fatal("seeds 7 and 8 gave the same log: the seed is not used")
	}
	// Every fault happened.
	for _, want := range []string{"crash: the machine", "partitioned", "injected conflict", "restart: new machine from a list", "healed", "deliver"} {
		if !strings.Contains(a.LogText(), want) {
			t.Errorf("the log never says %q", want)
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + al[i] + "\n  vs " + bl[i]
		}
	}
	return "one log is a prefix of the other"
}

const rolloutScenario = `
add-node n1 n2 n3 n4
----

image app:v2 readiness=ok-after-5s
----

apply
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 12
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: app:v1
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
----

stabilize
----

set-image deployment/web app=app:v2
----

tick 7s
----

RESTART

stabilize
----
`

// TestControlPlaneRestartConverges: a control plane restarted in the
// middle of a rolling update ends where an uninterrupted one does.
// Deployments and ReplicaSets (named by template hash) must match
// exactly; pods, named by each machine's own generator, must match as a
// multiset of (owner, node count, phase, readiness, image).
func TestControlPlaneRestartConverges(t *testing.T) {
	plain := runScript(t, strings.Replace(rolloutScenario, "RESTART", "", 1)).Cluster()
	restarted := runScript(t, strings.Replace(rolloutScenario, "RESTART", "restart-control-plane\n----", 1)).Cluster()
	if !strings.Contains(restarted.LogText(), "restart: new machine") {
		t.Fatal("no restart happened")
	}
	if got, want := restarted.DescribeDeployments(), plain.DescribeDeployments(); got != want {
		t.Errorf("deployments differ:\nrestarted:\n%s\nplain:\n%s", got, want)
	}
	if got, want := restarted.DescribeReplicaSets(), plain.DescribeReplicaSets(); got != want {
		t.Errorf("replicasets differ:\nrestarted:\n%s\nplain:\n%s", got, want)
	}
	if got, want := podSummary(restarted), podSummary(plain); got != want {
		t.Errorf("pods differ:\nrestarted:\n%s\nplain:\n%s", got, want)
	}
	if n := strings.Count(plain.DescribePods(), "\n"); n != 12 {
		t.Errorf("%d pods, want 12", n)
	}
}

var podName = regexp.MustCompile(`^(\S+)-[a-z0-9]{5} node=\S+ (.*?) ip=\S+ (.*)$`)

// podSummary describes the pods without what depends on the name
// generator and placement order: names, nodes and addresses.
func podSummary(c *Cluster) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(c.DescribePods()), "\n") {
		if m := podName.FindStringSubmatch(l); m != nil {
			l = m[1] + " " + m[2] + " " + m[3]
		}
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
