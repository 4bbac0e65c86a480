package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runSimText(t *testing.T, o simOptions, stdin string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runSim(strings.NewReader(stdin), &out, o)
	return out.String(), err
}

func TestSimExample(t *testing.T) {
	o := simOptions{files: []string{"../../examples/pods.yaml"}, nodes: 5, zones: 3, cpu: "4", memory: "8Gi", pods: 110, strategy: "LeastAllocated"}
	got, err := runSimText(t, o, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"default    web-1      node-1  500m  256Mi   Scheduled",
		"web-4      <none>  500m  256Mi   Pending: 0/6 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 5 node(s) didn't match pod anti-affinity rules.",
		"too-big    <none>  16    1Gi     Pending: 0/6 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 5 Insufficient cpu.",
		"needs-ssd  <none>  250m  512Mi   Pending: 0/6 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 5 node(s) didn't match Pod's node affinity/selector.",
		"4 of 7 pending pods scheduled.",
		"gpu-1   zone-c  0/32 (0%)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The three web pods land in three different zones.
	zones := map[string]bool{}
	for _, line := range strings.Split(got, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.HasPrefix(f[1], "web-") && f[2] != "<none>" {
			zones[f[2]] = true
		}
	}
	if len(zones) != 3 {
		t.Errorf("web pods on %d distinct nodes, want 3:\n%s", len(zones), got)
	}
	again, _ := runSimText(t, o, "")
	if again != got {
		t.Errorf("sim is not deterministic:\n%s\n---\n%s", got, again)
	}
}

func TestSimReportsEveryFieldError(t *testing.T) {
	bad := `apiVersion: apps/v1
kind: Deployment
metadata: {name: Bad_Name}
spec:
  replicas: -1
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: c}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a, image: x, ports: [{containerPort: 70000}]}]
`
	o := simOptions{files: []string{"-"}, nodes: 1, zones: 1, cpu: "1", memory: "1Gi", pods: 10, strategy: "LeastAllocated"}
	_, err := runSimText(t, o, bad)
	if err == nil {
		t.Fatal("invalid manifests were accepted")
	}
	var ex exitError
	if !asExit(err, &ex) || ex.code != 1 {
		t.Fatalf("want exit code 1, got %v", err)
	}
	for _, want := range []string{
		`Deployment.apps "Bad_Name" is invalid: [`,
		`metadata.name: Invalid value: "Bad_Name"`,
		`spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
		"spec.template.metadata.labels: Invalid value:",
		"`selector` does not match template `labels`",
		"spec.template.spec.containers[0].image: Required value",
		`Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestSimDecodeErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containerz: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := simOptions{files: []string{dir}, nodes: 1, zones: 1, cpu: "1", memory: "1Gi", pods: 10, strategy: "LeastAllocated"}
	_, err := runSimText(t, o, "")
	if err == nil || !strings.Contains(err.Error(), path+": document 0 (line 1): Pod \"p\": unknown field \"spec.containerz\"") {
		t.Fatalf("got %v", err)
	}
}

func TestSimBadFlags(t *testing.T) {
	o := simOptions{files: []string{"../../examples/pods.yaml"}, nodes: 1, zones: 1, cpu: "lots", memory: "1Gi", pods: 10, strategy: "LeastAllocated"}
	if _, err := runSimText(t, o, ""); err == nil || !strings.Contains(err.Error(), "--cpu") {
		t.Errorf("bad --cpu: %v", err)
	}
	o.cpu, o.strategy = "1", "Random"
	if _, err := runSimText(t, o, ""); err == nil || !strings.Contains(err.Error(), "unknown --strategy") {
		t.Errorf("bad --strategy: %v", err)
	}
}

func TestSimScenarioFile(t *testing.T) {
	o := simOptions{scenario: "../../core/sim/testdata/node-loss.txt", seed: 7, seedSet: true}
	got, err := runSimText(t, o, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"=== event log", "n3: crash: the machine", "[taint-eviction]", "=== final state at ", "n3 Ready=Unknown (down)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if again, _ := runSimText(t, o, ""); again != got {
		t.Error("the same scenario and seed printed different output")
	}
	o.seed = 8
	if other, _ := runSimText(t, o, ""); other == got {
		t.Error("another seed printed the same output")
	}
	o.transcript = true
	tr, err := runSimText(t, o, "")
	if err != nil || !strings.Contains(tr, "crash-node n3\n----\n") || strings.Contains(tr, "=== event log") {
		t.Errorf("transcript: %v\n%s", err, tr)
	}
}

func TestSimControllers(t *testing.T) {
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: 250m}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`
	o := simOptions{files: []string{"-"}, nodes: 3, zones: 3, cpu: "4", memory: "8Gi", pods: 110, strategy: "LeastAllocated", run: "2m", seed: 1}
	got, err := runSimText(t, o, manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Simulated 2m on 3 nodes (seed 1): 4 pods, 4 running.",
		"shop/web rev=1 replicas=4 status=4 updated=4 ready=4 available=4",
		"shop/web ClusterIP 10.96.0.2 ports=80/TCP endpoints=[",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if again, _ := runSimText(t, o, manifest); again != got {
		t.Error("--seed does not reproduce the run")
	}
	o.run = "soon"
	if _, err := runSimText(t, o, manifest); err == nil || !strings.Contains(err.Error(), "--run") {
		t.Errorf("bad --run: %v", err)
	}
}
