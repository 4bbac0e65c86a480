package client

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const kubeconfigA = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: ca.crt
    tls-server-name: capstan
- name: shared
  cluster:
    server: https://first.example:1
contexts:
- name: a
  context: {cluster: ca, user: ua, namespace: team}
- name: b
  context: {cluster: shared, user: ub}
users:
- name: ua
  user: {tokenFile: token}
- name: ub
  user: {token: inline-b}
preferences: {}
`

const kubeconfigB = `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: shared
  cluster:
    server: https://second.example:2
    insecure-skip-tls-verify: true
- name: other
  cluster:
    server: http://127.0.0.1:8080
    certificate-authority-data: ` + "Zm9v" + `
contexts:
- name: c
  context: {cluster: other, user: uc}
users:
- name: uc
  user: {token: inline-c}
`

func TestLoadConfigExplicitFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "config", kubeconfigA)
	writeFile(t, dir, "ca.crt", "PEM")
	writeFile(t, dir, "token", "secret-token\n")
	cfg, err := LoadConfig(LoadOptions{Kubeconfig: p})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server != "https://127.0.0.1:6443" || cfg.Token != "secret-token" || string(cfg.CAData) != "PEM" ||
		cfg.Namespace != "team" || cfg.NamespaceExplicit || cfg.Context != "a" || cfg.TLSServerName != "capstan" {
		t.Errorf("config = %+v", cfg)
	}
	// Overrides win.
	cfg, err = LoadConfig(LoadOptions{Kubeconfig: p, Context: "b", Namespace: "ns2", Token: "tok", Server: "https://x:1"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server != "https://x:1" || cfg.Token != "tok" || cfg.Namespace != "ns2" || !cfg.NamespaceExplicit || cfg.Context != "b" {
		t.Errorf("overridden config = %+v", cfg)
	}
	// A context without a namespace gets "default".
	cfg, err = LoadConfig(LoadOptions{Kubeconfig: p, Context: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Namespace != "default" || cfg.Token != "inline-b" {
		t.Errorf("context b = %+v", cfg)
	}
}

func TestLoadConfigKubeconfigList(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a", kubeconfigA)
	writeFile(t, dir, "ca.crt", "PEM")
	writeFile(t, dir, "token", "t")
	b := writeFile(t, dir, "b", kubeconfigB)
	env := map[string]string{"KUBECONFIG": filepath.Join(dir, "missing") + ":" + b + ":" + a}
	getenv := func(k string) string { return env[k] }
	// b comes first: its current-context and its "shared" cluster win.
	cfg, err := LoadConfig(LoadOptions{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server != "https://second.example:2" || !cfg.Insecure || cfg.Token != "inline-b" {
		t.Errorf("merged config = %+v", cfg)
	}
	cfg, err = LoadConfig(LoadOptions{Getenv: getenv, Context: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server != "http://127.0.0.1:8080" || string(cfg.CAData) != "foo" || cfg.Token != "inline-c" {
		t.Errorf("context c = %+v", cfg)
	}
	if _, err := LoadConfig(LoadOptions{Getenv: getenv, Context: "nope"}); err == nil || !strings.Contains(err.Error(), `context "nope" not found`) {
		t.Errorf("unknown context: %v", err)
	}
}

func TestLoadConfigDefaultPathAndErrors(t *testing.T) {
	home := t.TempDir()
	noenv := func(string) string { return "" }
	if _, err := LoadConfig(LoadOptions{Getenv: noenv, HomeDir: home}); !errors.Is(err, ErrNoConfig) {
		t.Errorf("no config: %v", err)
	}
	cfg, err := LoadConfig(LoadOptions{Getenv: noenv, HomeDir: home, Server: "http://127.0.0.1:1"})
	if err != nil || cfg.Server != "http://127.0.0.1:1" || cfg.Namespace != "default" {
		t.Errorf("server only: %+v %v", cfg, err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".kube"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(home, ".kube"), "config", kubeconfigB)
	cfg, err = LoadConfig(LoadOptions{Getenv: noenv, HomeDir: home, Context: "c"})
	if err != nil || cfg.Server != "http://127.0.0.1:8080" {
		t.Errorf("default path: %+v %v", cfg, err)
	}
	if _, err := LoadConfig(LoadOptions{Kubeconfig: filepath.Join(home, "absent")}); err == nil {
		t.Error("an explicit missing kubeconfig must fail")
	}
	bad := writeFile(t, home, "bad", "kind: Pod\n")
	if _, err := LoadConfig(LoadOptions{Kubeconfig: bad}); err == nil || !strings.Contains(err.Error(), "not Config") {
		t.Errorf("wrong kind: %v", err)
	}
	broken := writeFile(t, home, "broken", "clusters: [\n")
	if _, err := LoadConfig(LoadOptions{Kubeconfig: broken}); err == nil {
		t.Error("broken YAML must fail")
	}
}
