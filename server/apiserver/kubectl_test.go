package apiserver

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const kubectlPath = "/usr/bin/kubectl"

// kubectlRunner runs kubectl against a test server with a kubeconfig of its
// own and a private cache directory. KUBECTL_V=7 logs every request it
// makes.
type kubectlRunner struct {
	t          *testing.T
	kubeconfig string
	home       string
}

func newKubectl(t *testing.T, ts *testServer) *kubectlRunner {
	t.Helper()
	if _, err := os.Stat(kubectlPath); err != nil {
		t.Skipf("kubectl is not installed at %s: skipping the test that drives it", kubectlPath)
	}
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: capstan
  cluster:
    server: %s
users:
- name: admin
  user:
    token: test-token
contexts:
- name: capstan
  context:
    cluster: capstan
    user: admin
    namespace: default
current-context: capstan
`, ts.srv.URL)
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &kubectlRunner{t: t, kubeconfig: kc, home: dir}
}

// run returns kubectl's standard output, or on failure both outputs and
// the error.
func (k *kubectlRunner) run(args ...string) (string, error) {
	k.t.Helper()
	flags := []string{"--kubeconfig", k.kubeconfig, "--request-timeout", "20s"}
	if v := os.Getenv("KUBECTL_V"); v != "" {
		flags = append(flags, "-v="+v)
	}
	cmd := exec.Command(kubectlPath, append(flags, args...)...)
	cmd.Env = []string{"HOME=" + k.home, "PATH=/usr/bin:/bin"}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || os.Getenv("KUBECTL_V") != "" {
		k.t.Logf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

func (k *kubectlRunner) mustRun(args ...string) string {
	k.t.Helper()
	out, err := k.run(args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Real kubectl, with its defaults (validation included), applies the
// Deployment of the Kubernetes docs, reads it back, scales it, lists it and
// deletes it.
func TestKubectl(t *testing.T) {
	ts := newTestServer(t)
	k := newKubectl(t, ts)
	manifest := filepath.Join("testdata", "nginx-deployment.yaml")

	out := k.mustRun("apply", "-f", manifest)
	if !strings.Contains(out, "deployment.apps/nginx-deployment created") {
		t.Fatalf("apply: %q", out)
	}
	deploy := func() map[string]any { return k.getJSON("deployment", "nginx-deployment") }
	d := deploy()
	if got := get(d, "spec", "replicas"); got != float64(3) {
		t.Fatalf("replicas after apply = %v", got)
	}
	if get(d, "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration") == nil {
		t.Errorf("apply did not record last-applied-configuration")
	}

	out = k.mustRun("scale", "deployment/nginx-deployment", "--replicas=5")
	if !strings.Contains(out, "scaled") {
		t.Errorf("scale: %q", out)
	}
	if got := get(deploy(), "spec", "replicas"); got != float64(5) {
		t.Fatalf("replicas after scale = %v", got)
	}

	// The server's Table, with kubectl's columns.
	out = k.mustRun("get", "deployments")
	if !strings.Contains(out, "nginx-deployment") || !strings.Contains(out, "UP-TO-DATE") {
		t.Errorf("get deployments: %q", out)
	}
	out = k.mustRun("get", "deploy", "-o", "wide")
	if !strings.Contains(out, "SELECTOR") || !strings.Contains(out, "app=nginx") {
		t.Errorf("get deploy -o wide: %q", out)
	}

	out = k.mustRun("delete", "-f", manifest)
	if !strings.Contains(out, "deleted") {
		t.Errorf("delete: %q", out)
	}
	if out, err := k.run("get", "deployment", "nginx-deployment"); err == nil || !strings.Contains(out, "NotFound") {
		t.Errorf("get after delete: %v %q", err, out)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A second kubectl apply with a change sends a strategic merge patch.
func TestKubectlApplyChange(t *testing.T) {
	ts := newTestServer(t)
	k := newKubectl(t, ts)
	manifest := filepath.Join("testdata", "nginx-deployment.yaml")
	k.mustRun("apply", "-f", manifest)
	deploy := func() map[string]any { return k.getJSON("deployment", "nginx-deployment") }
	changed := strings.Replace(readFile(t, manifest), "nginx:1.14.2", "nginx:1.16.1", 1)
	changed = strings.Replace(changed, "replicas: 3", "replicas: 4", 1)
	path2 := filepath.Join(t.TempDir(), "changed.yaml")
	if err := os.WriteFile(path2, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	out := k.mustRun("apply", "-f", path2)
	if !strings.Contains(out, "configured") {
		t.Errorf("second apply: %q", out)
	}
	d := deploy()
	containers, _ := get(d, "spec", "template", "spec", "containers").([]any)
	if len(containers) != 1 || get(containers[0].(map[string]any), "image") != "nginx:1.16.1" ||
		get(d, "spec", "replicas") != float64(4) {
		t.Fatalf("after the second apply: replicas %v, containers %v", get(d, "spec", "replicas"), containers)
	}
	if ports, _ := get(containers[0].(map[string]any), "ports").([]any); len(ports) != 1 {
		t.Errorf("the strategic merge lost the container's ports: %v", containers[0])
	}

}

// getJSON runs kubectl get -o json and decodes its output.
func (k *kubectlRunner) getJSON(args ...string) map[string]any {
	k.t.Helper()
	var m map[string]any
	out := k.mustRun(append(append([]string{"get"}, args...), "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		k.t.Fatalf("get -o json: %v\n%s", err, out)
	}
	return m
}

// kubectl's generators send protobuf bodies: create namespace, configmap,
// secret and deployment.
func TestKubectlCreate(t *testing.T) {
	ts := newTestServer(t)
	k := newKubectl(t, ts)
	for _, args := range [][]string{
		{"create", "namespace", "other"},
		{"create", "configmap", "cfg", "-n", "other", "--from-literal=a=b"},
		{"create", "secret", "generic", "s", "--from-literal=password=p"},
		{"create", "deployment", "dep", "--image=nginx:1.27", "--replicas=2"},
	} {
		if out := k.mustRun(args...); !strings.Contains(out, "created") {
			t.Errorf("kubectl %s: %q", strings.Join(args, " "), out)
		}
	}
	if got := get(k.getJSON("configmap", "cfg", "-n", "other"), "data", "a"); got != "b" {
		t.Errorf("configmap data a = %v", got)
	}
	d := k.getJSON("deployment", "dep")
	if get(d, "spec", "replicas") != float64(2) || get(d, "spec", "selector", "matchLabels", "app") != "dep" {
		t.Errorf("deployment %v", d["spec"])
	}
	if get(k.getJSON("namespace", "other"), "status", "phase") != "Active" {
		t.Error("namespace other is not Active")
	}
}
