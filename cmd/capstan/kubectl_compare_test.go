package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client/simnodes"
)

// ageRE matches kubectl's human durations, which may tick between two
// commands.
var ageRE = regexp.MustCompile(`\b\d+(s|m|h|d|y)(\d+(s|m|h|d))?\b`)

// renewRE matches describe node's Lease renewal time: the simulated
// nodes renew every 200 ms, so kubectl's and capstan's calls may straddle
// a second.
var renewRE = regexp.MustCompile(`(RenewTime:\s+).*`)

func normalizeTable(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = renewRE.ReplaceAllString(l, "${1}TIME")
		out = append(out, strings.Join(strings.Fields(ageRE.ReplaceAllString(l, "AGE")), " "))
	}
	return out
}

// TestTablesMatchKubectl prints every kind with kubectl (from the API
// server's Tables) and with capstan, and compares them; and the same for
// describe of the kinds capstan describes as kubectl does.
func TestTablesMatchKubectl(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed; install it (e.g. /usr/bin/kubectl v1.32) to compare tables")
	}
	tc := newTestCluster(t, true)
	req, _ := http.NewRequest("GET", tc.url+"/api/v1/namespaces", nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var table struct{ Kind string }
	json.NewDecoder(resp.Body).Decode(&table)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || table.Kind != "Table" {
		t.Skip("the API server does not serve Tables yet")
	}
	t.Setenv("KUBECACHEDIR", t.TempDir())
	ctx := context.Background()
	sim, err := simnodes.Start(ctx, tc.client, simnodes.Options{Count: 2, RunPods: true, RenewInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	tc.must(webDeployment+`---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: nginx}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1"}
`, "apply", "-f", "-")
	tc.must("", "create", "secret", "generic", "db", "--from-literal=a=b")
	tc.must("", "rollout", "status", "deployment/nginx-deployment", "--timeout=20s")
	for _, args := range [][]string{
		{"describe", "pods"}, {"describe", "deploy"}, {"describe", "rs"}, {"describe", "nodes"}, {"describe", "ns", "default"},
		{"pods,deploy,rs,svc,ep", "-o", "wide"}, {"nodes", "-o", "wide"}, {"ns,cm,secrets,sa"},
		{"leases", "-A", "--show-labels"}, {"pv"}, {"deploy/nginx-deployment", "svc/web"},
	} {
		if args[0] != "describe" {
			args = append([]string{"get"}, args...)
		}
		cmd := exec.Command(kubectl, append(append([]string{}, args...), "--kubeconfig", tc.kubeconfig)...)
		want, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("kubectl %v: %v\n%s", args, err, want)
			continue
		}
		got, errOut, err := tc.run("", args...)
		if err != nil {
			t.Errorf("capstan %v: %v %s", args, err, errOut)
			continue
		}
		if got == "" {
			got = errOut // "No resources found ..."
		}
		t.Logf("%v:\n%s", args, got)
		g, w := normalizeTable(got), normalizeTable(string(want))
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%v differs from kubectl's:\n--- capstan\n%s--- kubectl\n%s", args, got, want)
		}
		// The header line is the same to the byte.
		if gl, wl := strings.SplitN(got, "\n", 2)[0], strings.SplitN(string(want), "\n", 2)[0]; gl != wl && !strings.Contains(gl, "No resources") {
			t.Errorf("%v: first line %q, kubectl's %q", args, gl, wl)
		}
	}
}
