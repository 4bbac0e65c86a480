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
