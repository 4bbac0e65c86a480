package main

import (
	"context"
	"strings"
	"testing"
)

// Bad flags are refused before anything starts, with a message that says
// what to do.
func TestServerFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"server", "--etcd-prefix", "/x"}, "--etcd-prefix needs --etcd-endpoints"},
		{[]string{"server", "--log-level", "loud"}, "--log-level"},
		{[]string{"up", "--insecure-http", "--listen", "0.0.0.0:0", "--data-dir", t.TempDir()}, "not loopback"},
		{[]string{"server", "--election-ttl", "100ms", "--data-dir", t.TempDir()}, "election TTL"},
	} {
		cmd := newRootCommand()
		cmd.SetArgs(tc.args)
		cmd.SetOut(&syncBuffer{})
		cmd.SetErr(&syncBuffer{})
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("capstan %s: %v, want an error about %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/capstan-data/admin.kubeconfig": "/tmp/capstan-data/admin.kubeconfig",
		"/home/a b/admin.kubeconfig":         "'/home/a b/admin.kubeconfig'",
		"/it's":                              `'/it'\''s'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
