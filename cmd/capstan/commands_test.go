package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/client/simnodes"
	"github.com/capstan-dev/capstan/core/api"
)

const webDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`

// TestApplyCreateConfigureUnchanged: the Deployment from the Kubernetes
// docs, applied three times.
func TestApplyCreateConfigureUnchanged(t *testing.T) {
	tc := newTestCluster(t, false)
	dir := t.TempDir()
	f := filepath.Join(dir, "web.yaml")
	if err := os.WriteFile(f, []byte(webDeployment+"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: \"1\", b: \"2\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := tc.must("", "apply", "-f", f); out != "deployment.apps/nginx-deployment created\nconfigmap/settings created\n" {
		t.Errorf("first apply:\n%s", out)
	}
	if out := tc.must("", "apply", "-f", dir); out != "deployment.apps/nginx-deployment unchanged\nconfigmap/settings unchanged\n" {
		t.Errorf("second apply:\n%s", out)
	}
	// Change the image and drop a key: configured; the key is gone, the
	// replicas scaled by someone else are put back.
	changed := strings.Replace(webDeployment, "nginx:1.14.2", "nginx:1.16.1", 1) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: \"1\"}\n"
	tc.must("", "scale", "deployment/nginx-deployment", "--replicas=5")
	if out := tc.must(changed, "apply", "-f", "-"); out != "deployment.apps/nginx-deployment configured\nconfigmap/settings configured\n" {
		t.Errorf("third apply:\n%s", out)
	}
	d, err := client.Get[*api.Deployment](context.Background(), tc.client, "default", "nginx-deployment")
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.16.1" || *d.Spec.Replicas != 3 {
		t.Errorf("after apply: image %s replicas %d", img, *d.Spec.Replicas)
	}
	cm, err := client.Get[*api.ConfigMap](context.Background(), tc.client, "default", "settings")
	if err != nil || len(cm.Data) != 1 {
		t.Errorf("configmap after apply: %v %v", cm, err)
	}
	if out := tc.must(changed, "apply", "-f", "-"); !strings.Contains(out, "unchanged") || strings.Contains(out, "configured") {
		t.Errorf("fourth apply:\n%s", out)
	}
	// What someone else set inside a container survives an apply that
	// changes that container: containers merge by name.
	if _, err := tc.client.Patch(context.Background(), "Deployment", "default", "nginx-deployment", client.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"EXTRA","value":"1"}]}]}}}}`), ""); err != nil {
		t.Fatal(err)
	}
	tc.must(strings.Replace(changed, "nginx:1.16.1", "nginx:1.17", 1), "apply", "-f", "-")
	d, err = client.Get[*api.Deployment](context.Background(), tc.client, "default", "nginx-deployment")
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Spec.Template.Spec.Containers[0]; c.Image != "nginx:1.17" || len(c.Env) != 1 || c.Env[0].Name != "EXTRA" {
		t.Errorf("after a merging apply: %+v", c)
	}
	// A bad manifest: the decoder's error with the file, exit code 1.
	_, errOut, err := tc.run("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndatta: {}\n", "apply", "-f", "-")
	if err == nil || !strings.Contains(errOut, "datta") {
		t.Errorf("bad manifest: %v %s", err, errOut)
	}
}

func TestGetFormatsAndErrors(t *testing.T) {
	tc := newTestCluster(t, false)
	tc.must(webDeployment, "apply", "-f", "-")
	tc.must("", "create", "namespace", "team")
	tc.must("", "create", "secret", "generic", "db", "-n", "team", "--from-literal=user=admin", "--from-literal=password=s3cr3t")

	out := tc.must("", "get", "deploy")
	if !strings.HasPrefix(out, "NAME               READY   UP-TO-DATE   AVAILABLE   AGE\nnginx-deployment   0/3     0            0           ") {
		t.Errorf("get deploy:\n%s", out)
	}
	out = tc.must("", "get", "deployments.apps", "nginx-deployment", "-o", "wide")
	if !strings.Contains(out, "CONTAINERS   IMAGES         SELECTOR") || !strings.Contains(out, "nginx        nginx:1.14.2   app=nginx") {
		t.Errorf("get -o wide:\n%s", out)
	}
	out = tc.must("", "get", "secrets", "-A")
	if rows := columns(out); rows["team"] == nil || rows["team"][1] != "db" || rows["team"][2] != "Opaque" || rows["team"][3] != "2" {
		t.Errorf("get secrets -A:\n%s", out)
	}
	out = tc.must("", "get", "deploy/nginx-deployment", "-o", "name")
	if out != "deployment.apps/nginx-deployment\n" {
		t.Errorf("-o name: %q", out)
	}
	out = tc.must("", "get", "deploy", "nginx-deployment", "-o", "yaml")
	if !strings.HasPrefix(out, "apiVersion: apps/v1\nkind: Deployment\n") || !strings.Contains(out, "image: nginx:1.14.2") {
		t.Errorf("-o yaml:\n%s", out)
	}
	out = tc.must("", "get", "ns", "-o", "json")
	if !strings.Contains(out, `"kind": "List"`) || !strings.Contains(out, `    "items": [`) || !strings.Contains(out, `"name": "team"`) {
		t.Errorf("-o json:\n%s", out)
	}
	out = tc.must("", "get", "ns", "-l", "kubernetes.io/metadata.name=team", "-o", "name")
	if out != "namespace/team\n" {
		t.Errorf("get -l: %q", out)
	}
	_, errOut, err := tc.run("", "get", "deploy", "web")
	if err == nil || errOut != `Error from server (NotFound): deployments.apps "web" not found` {
		t.Errorf("not found: %v %q", err, errOut)
	}
	_, errOut, err = tc.run("", "get", "widgets")
	if err == nil || !strings.Contains(errOut, `doesn't have a resource type "widgets"`) {
		t.Errorf("unknown kind: %v %q", err, errOut)
	}
	out, errOut, err = tc.run("", "get", "pods", "-n", "team")
	if err != nil || out != "" || strings.TrimSpace(errOut) != "No resources found in team namespace." {
		t.Errorf("empty: %v %q %q", err, out, errOut)
	}
}

// TestGetWatch: get -w prints the list, then a row for each change.
func TestGetWatch(t *testing.T) {
	tc := newTestCluster(t, false)
	tc.must("", "create", "namespace", "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		root := newRootCommand()
		root.SetArgs([]string{"get", "ns", "-w", "--kubeconfig", tc.kubeconfig})
		root.SetOut(&out)
		root.SetErr(&out)
		done <- root.ExecuteContext(ctx)
	}()
	tc.eventually("the list", func() bool { return strings.Contains(out.String(), "kube-node-lease") })
	tc.must("", "create", "namespace", "b")
	tc.eventually("namespace b", func() bool { return strings.Contains(out.String(), "\nb ") })
	tc.must("", "delete", "namespace", "b", "--wait=false")
	tc.eventually("b terminating", func() bool { return strings.Contains(out.String(), "Terminating") })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("get -w: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "NAME              STATUS   AGE" || strings.Count(out.String(), "NAME") != 1 {
		t.Errorf("get -w output:\n%s", out.String())
	}
}

// TestDoneMeans: the "done means": a Deployment applied with no
// nodes has Pending pods that say "0/0 nodes are available"; simulated
// nodes registered through the API get them bound, running and the
// Deployment rolled out; a second rollout and an undo restore the first
// template; scale and delete work end to end.
func TestDoneMeans(t *testing.T) {
	tc := newTestCluster(t, true)
	ctx := context.Background()
	tc.must(webDeployment, "apply", "-f", "-")
	podsOf := func() []*api.Pod {
		pods, _, err := client.ListOf[*api.Pod](ctx, tc.client, "default", client.ListOptions{LabelSelector: "app=nginx"})
		if err != nil {
			t.Fatal(err)
		}
		return pods
	}
	tc.eventually("three unschedulable pods", func() bool {
		pods := podsOf()
		n := 0
		for _, p := range pods {
			for _, c := range p.Status.Conditions {
				if c.Type == api.PodScheduled && c.Reason == api.PodReasonUnschedulable && unschedulableWithoutNodes(c.Message) {
					n++
				}
			}
		}
		return n == 3
	})
	out := tc.must("", "get", "pods")
	if strings.Count(out, "Pending") != 3 {
		t.Errorf("get pods without nodes:\n%s", out)
	}
	pod := podsOf()[0].Name
	out = tc.must("", "describe", "pod", pod)
	for _, want := range []string{`(?m)^Name: +nginx-deployment-`, `(?m)^Status: +Pending$`, `(?m)^Node: +<none>$`,
		`(?m)^Controlled By: +ReplicaSet/nginx-deployment-`, `Containers:\n  nginx:\n    Image: +nginx:1.14.2\n`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("describe pod lacks %s:\n%s", want, out)
		}
	}

	sim, err := simnodes.Start(ctx, tc.client, simnodes.Options{Count: 3, RunPods: true, RenewInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	out = tc.must("", "rollout", "status", "deployment/nginx-deployment", "--timeout=20s")
	if !strings.HasSuffix(out, "deployment \"nginx-deployment\" successfully rolled out\n") {
		t.Errorf("rollout status:\n%s", out)
	}
	out = tc.must("", "get", "pods", "-o", "wide")
	if strings.Count(out, "Running") != 3 || !strings.Contains(out, "sim-node-") {
		t.Errorf("get pods with nodes:\n%s", out)
	}
	out = tc.must("", "get", "nodes")
	if strings.Count(out, " Ready ") != 3 {
		t.Errorf("get nodes:\n%s", out)
	}

	// A second revision, then back to the first.
	tc.must(strings.Replace(webDeployment, "nginx:1.14.2", "nginx:1.16.1", 1), "apply", "-f", "-")
	tc.must("", "rollout", "status", "deploy/nginx-deployment", "--timeout=20s")
	out = tc.must("", "rollout", "history", "deployment/nginx-deployment")
	if out != "deployment.apps/nginx-deployment \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n" {
		t.Errorf("rollout history:\n%q", out)
	}
	if out = tc.must("", "rollout", "undo", "deployment/nginx-deployment"); out != "deployment.apps/nginx-deployment rolled back\n" {
		t.Errorf("undo: %q", out)
	}
	tc.must("", "rollout", "status", "deployment/nginx-deployment", "--timeout=20s")
	d, err := client.Get[*api.Deployment](ctx, tc.client, "default", "nginx-deployment")
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.14.2" {
		t.Fatalf("after undo: %v", err)
	}
	tc.eventually("pods back on the first image", func() bool {
		pods := podsOf()
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "nginx:1.14.2" {
				return false
			}
		}
		return len(pods) == 3
	})
	if out = tc.must("", "rollout", "pause", "deployment/nginx-deployment"); out != "deployment.apps/nginx-deployment paused\n" {
		t.Errorf("pause: %q", out)
	}
	if _, errOut, err := tc.run("", "rollout", "pause", "deployment/nginx-deployment"); err == nil || !strings.Contains(errOut, "is not resumed") {
		t.Errorf("pause twice: %v %q", err, errOut)
	}
	if out = tc.must("", "rollout", "resume", "deployment/nginx-deployment"); out != "deployment.apps/nginx-deployment resumed\n" {
		t.Errorf("resume: %q", out)
	}
	out = tc.must("", "rollout", "history", "deployment/nginx-deployment", "--revision=3")
	if !strings.HasPrefix(out, "deployment.apps/nginx-deployment with revision #3\nPod Template:\n") || !strings.Contains(out, "nginx:1.14.2") {
		t.Errorf("history --revision:\n%s", out)
	}
	out = tc.must("", "rollout", "undo", "deployment/nginx-deployment", "--to-revision=3")
	if !strings.Contains(out, "skipped rollback") {
		t.Errorf("undo to the current revision: %q", out)
	}
	out = tc.must("", "describe", "deployment", "nginx-deployment")
	for _, want := range []string{"Replicas:", "3 desired | 3 updated | 3 total | 3 available | 0 unavailable", "NewReplicaSet:", "StrategyType:           RollingUpdate"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe deployment lacks %q:\n%s", want, out)
		}
	}

	// Scale down, then delete with the default cascade and wait.
	if out = tc.must("", "scale", "deployment", "nginx-deployment", "--replicas=1"); out != "deployment.apps/nginx-deployment scaled\n" {
		t.Errorf("scale: %q", out)
	}
	tc.eventually("one pod", func() bool { return len(podsOf()) == 1 })
	if out = tc.must("", "delete", "deployment", "nginx-deployment", "--cascade=foreground", "--timeout=20s"); out != "deployment.apps \"nginx-deployment\" deleted\n" {
		t.Errorf("delete: %q", out)
	}
	tc.eventually("no pods", func() bool { return len(podsOf()) == 0 })
	_, errOut, err := tc.run("", "delete", "deployment", "nginx-deployment")
	if err == nil || errOut != `Error from server (NotFound): deployments.apps "nginx-deployment" not found` {
		t.Errorf("second delete: %v %q", err, errOut)
	}
	out = tc.must("", "cluster-info")
	if !strings.HasPrefix(out, "capstan control plane is running at "+tc.url) {
		t.Errorf("cluster-info:\n%s", out)
	}
}

// unschedulableWithoutNodes reports whether a PodScheduled message says
// there is no node: core/sched words it as kube-scheduler does with no
// nodes ("no nodes available to schedule pods"); the issue quotes the
// "0/0 nodes are available" of the FailedScheduling event.
func unschedulableWithoutNodes(msg string) bool {
	return strings.Contains(msg, "0/0 nodes are available") || strings.Contains(msg, "no nodes available to schedule pods")
}
