package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

func TestCreateSecretAndDescribe(t *testing.T) {
	tc := newTestCluster(t, false)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), []byte("CERT"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "more")
	os.Mkdir(sub, 0o700)
	os.WriteFile(filepath.Join(sub, "a.txt"), []byte("AAA"), 0o600)
	os.WriteFile(filepath.Join(sub, "b.txt"), []byte("BB"), 0o600)
	out := tc.must("", "create", "secret", "generic", "certs", "--from-file="+filepath.Join(dir, "tls.crt"),
		"--from-file=key="+filepath.Join(dir, "tls.crt"), "--from-file="+sub, "--from-literal=x=y")
	if out != "secret/certs created\n" {
		t.Errorf("create secret: %q", out)
	}
	s, err := client.Get[*api.Secret](context.Background(), tc.client, "default", "certs")
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["tls.crt"]) != "CERT" || string(s.Data["key"]) != "CERT" || string(s.Data["a.txt"]) != "AAA" || string(s.Data["x"]) != "y" || s.Type != "Opaque" {
		t.Errorf("secret data %v type %s", s.Data, s.Type)
	}
	out = tc.must("", "describe", "secret", "certs")
	for _, want := range []string{"Type:  Opaque", "a.txt:    3 bytes", "tls.crt:  4 bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe secret lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CERT") {
		t.Errorf("describe secret shows a value:\n%s", out)
	}
	_, errOut, err := tc.run("", "create", "secret", "generic", "certs", "--from-literal=a=b")
	if err == nil || errOut != `Error from server (AlreadyExists): secrets "certs" already exists` {
		t.Errorf("duplicate: %v %q", err, errOut)
	}
	_, errOut, err = tc.run("", "create", "secret", "generic", "bad", "--from-literal=a=1", "--from-literal=a=2")
	if err == nil || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate key: %v %q", err, errOut)
	}
	if out := tc.must("", "create", "namespace", "team"); out != "namespace/team created\n" {
		t.Errorf("create namespace: %q", out)
	}

	tc.must("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, name: http}]\n", "apply", "-f", "-")
	out = tc.must("", "describe", "svc", "web")
	for _, want := range []string{"Selector:          app=web", "Type:              ClusterIP", "Port:              http  80/TCP", "TargetPort:        8080/TCP"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe service lacks %q:\n%s", want, out)
		}
	}
}

func TestDeleteForms(t *testing.T) {
	tc := newTestCluster(t, false)
	manifests := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {tier: x}}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {tier: x}}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
	f := filepath.Join(t.TempDir(), "cms.yaml")
	os.WriteFile(f, []byte(manifests), 0o644)
	tc.must("", "apply", "-f", f)
	if out := tc.must("", "delete", "cm", "-l", "tier=x"); out != "configmap \"a\" deleted\nconfigmap \"b\" deleted\n" {
		t.Errorf("delete -l: %q", out)
	}
	out, errOut, err := tc.run("", "delete", "-f", f)
	if err == nil || out != "configmap \"c\" deleted\n" || !strings.Contains(errOut, `configmaps "a" not found`) {
		t.Errorf("delete -f: %v %q %q", err, out, errOut)
	}
	if out := tc.must("", "delete", "-f", f, "--ignore-not-found"); out != "" {
		t.Errorf("delete --ignore-not-found: %q", out)
	}
	_, errOut, err = tc.run("", "delete", "cm")
	if err == nil || !strings.Contains(errOut, "no name was specified") {
		t.Errorf("delete without a name: %v %q", err, errOut)
	}
	_, errOut, err = tc.run("", "delete", "cm", "x", "--cascade=sometimes")
	if err == nil || !strings.Contains(errOut, "invalid cascade value") {
		t.Errorf("bad cascade: %v %q", err, errOut)
	}
	// A pod nobody runs, deleted at once with --grace-period=0.
	tc.must("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: ghost, containers: [{name: c, image: busybox}]}\n", "apply", "-f", "-")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, errOut, err := tc.runCtx(ctx, "", "delete", "pod", "p", "--grace-period=0", "--force"); err != nil || out != "pod \"p\" deleted\n" {
		t.Errorf("delete --grace-period=0: %v %q %q", err, out, errOut)
	}
}

func TestConnectionFlags(t *testing.T) {
	tc := newTestCluster(t, false)
	tc.must("", "create", "namespace", "team")
	tc.must("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: only-in-team}\n", "apply", "-f", "-", "-n", "team")
	// --server and -n without a kubeconfig.
	var out, errOut strings.Builder
	root := newRootCommand()
	root.SetArgs([]string{"get", "cm", "-n", "team", "-o", "name", "--server", tc.url, "--kubeconfig", filepath.Join(t.TempDir(), "none")})
	root.SetOut(&out)
	root.SetErr(&errOut)
	if err := root.Execute(); err == nil {
		t.Errorf("a missing explicit kubeconfig must fail")
	}
	t.Setenv("KUBECONFIG", tc.kubeconfig)
	root = newRootCommand()
	root.SetArgs([]string{"get", "cm", "-n", "team", "-o", "name"})
	out.Reset()
	root.SetOut(&out)
	if err := root.Execute(); err != nil || out.String() != "configmap/only-in-team\n" {
		t.Errorf("KUBECONFIG: %v %q", err, out.String())
	}
	// A manifest's namespace must agree with an explicit -n.
	_, errOut2, err := tc.run("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n", "apply", "-f", "-", "-n", "team")
	if err == nil || !strings.Contains(errOut2, "does not match the namespace") {
		t.Errorf("namespace mismatch: %v %q", err, errOut2)
	}
	// Invalid objects are reported with their field paths.
	_, errOut2, err = tc.run(strings.Replace(webDeployment, "replicas: 3", "replicas: -1", 1), "apply", "-f", "-")
	if err == nil || !strings.Contains(errOut2, `The Deployment.apps "nginx-deployment" is invalid: spec.replicas`) {
		t.Errorf("invalid: %v %q", err, errOut2)
	}
	// An unreachable server is a client error.
	_, errOut2, err = tc.run("", "get", "pods", "--server", "http://127.0.0.1:1")
	if err == nil || !strings.HasPrefix(errOut2, "error: ") {
		t.Errorf("unreachable: %v %q", err, errOut2)
	}
}

// TestSimNodesCommand runs `capstan sim-nodes` until interrupted.
func TestSimNodesCommand(t *testing.T) {
	tc := newTestCluster(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		root := newRootCommand()
		root.SetArgs([]string{"sim-nodes", "2", "--cpu", "2", "--memory", "1Gi", "--labels", "topology.kubernetes.io/zone=a", "--kubeconfig", tc.kubeconfig})
		root.SetOut(&out)
		root.SetErr(&out)
		done <- root.ExecuteContext(ctx)
	}()
	tc.eventually("registration", func() bool { return strings.Contains(out.String(), "2 simulated nodes registered") })
	nodes, _, err := client.ListOf[*api.Node](context.Background(), tc.client, "", client.ListOptions{})
	if err != nil || len(nodes) != 2 {
		t.Fatalf("nodes %v %v", nodes, err)
	}
	n := nodes[0]
	if cpu := n.Status.Allocatable[api.ResourceCPU]; cpu.String() != "2" || n.Labels["topology.kubernetes.io/zone"] != "a" || !n.IsReady() {
		t.Errorf("node %+v", n)
	}
	if _, err := client.Get[*api.Lease](context.Background(), tc.client, "kube-node-lease", n.Name); err != nil {
		t.Errorf("lease: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("sim-nodes: %v", err)
	}
}
