package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/logs"
	"github.com/capstan-dev/capstan/server/apiserver"
)

// TestLogs: capstan logs through the API server to a fake agent's logs
// endpoint (HTTPS, the node token required), which answers the path and
// query it was asked.
func TestLogs(t *testing.T) {
	agent := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%s?%s\n", r.URL.Path, r.URL.RawQuery)
	}))
	defer agent.Close()
	if apiserver.LogsPortLabel != logs.PortLabel {
		t.Fatalf("the API server reads the logs port from %q, the agent writes it to %q", apiserver.LogsPortLabel, logs.PortLabel)
	}
	tc := newTestCluster(t, false, func(c *apiserver.Config) { c.NodeLogsToken = "tok" })
	host, port, _ := net.SplitHostPort(agent.Listener.Addr().String())
	n := &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: "n1", Labels: map[string]string{apiserver.LogsPortLabel: port}}}
	obj, err := tc.client.Create(tc.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	n = obj.(*api.Node)
	n.Status.Addresses = []api.NodeAddress{{Type: "InternalIP", Address: host}}
	if _, err := tc.client.UpdateStatus(tc.ctx, n); err != nil {
		t.Fatal(err)
	}
	tc.must("", "create", "namespace", "team")
	for _, ns := range []string{"default", "team"} {
		p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: "web", Namespace: ns},
			Spec: api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "app", Image: "i"}, {Name: "side", Image: "i"}}}}
		if _, err := tc.client.Create(tc.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"logs", "web", "-c", "app"}, "/containerLogs/default/web/app?\n"},
		{[]string{"logs", "pod/web", "-n", "team", "-c", "side", "--tail", "0", "--previous", "-f", "--limit-bytes", "9"},
			"/containerLogs/team/web/side?follow=true&limitBytes=9&previous=true&tailLines=0\n"},
	} {
		if out := tc.must("", c.args...); out != c.want {
			t.Errorf("capstan %s: %q, want %q", strings.Join(c.args, " "), out, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"logs", "web"}, "a container name must be specified for pod web, choose one of: [app side]"},
		{[]string{"logs", "nope"}, `pods "nope" not found`},
		{[]string{"logs", "deploy/web"}, "logs reads pods' logs, not a Deployment's"},
		{[]string{"logs", "web", "-c", "app", "--tail", "-2"}, "--tail must be -1"},
	} {
		out, errOut, err := tc.run("", c.args...)
		if err == nil || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("capstan %s: %v, stdout %q, stderr %q; want an error containing %q", strings.Join(c.args, " "), err, out, errOut, c.want)
		}
	}
	agent.Close()
	_, errOut, err := tc.run("", "logs", "web", "-c", "app")
	if err == nil || !strings.Contains(errOut, "node n1 is unreachable at "+net.JoinHostPort(host, port)) {
		t.Errorf("agent down: %v, %q", err, errOut)
	}
}
