package control

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -rewrite.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name
	if *rewrite {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run with -rewrite to accept)", path, i+1, g, w)
			}
		}
	}
}

// TestGoldenRollout records every write of a small scenario, and the
// machine's Describe at each stage: a rolling update, a node lost and its
// pods replaced.
func TestGoldenRollout(t *testing.T) {
	h := newHarness(t, Config{Seed: 80, RecordEvents: true})
	var b strings.Builder
	stage := func(name string) {
		b.WriteString("## " + name + "\n")
		for _, l := range h.log {
			b.WriteString(l + "\n")
		}
		h.log = nil
		b.WriteString("-- state\n" + h.m.Describe())
	}
	h.addNode("n1", "1", "2Gi")
	h.addNode("n2", "1", "2Gi")
	h.create(rolling(deployment("web", 3, "nginx:1"), api.FromInt(1), api.FromInt(0)))
	h.create(service("web", map[string]string{"app": "web"}, api.ServicePort{Port: 80}))
	h.settle()
	stage("create")
	h.setImage("web", "nginx:2")
	h.settle()
	stage("rolling update")
	h.down["n1"] = true
	h.advanceBy(6*time.Minute, 30*time.Second)
	stage("n1 lost")
	golden(t, "rollout.golden", b.String())
}
