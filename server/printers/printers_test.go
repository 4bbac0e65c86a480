package printers

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-3 * time.Second, "<invalid>"}, {-time.Second, "0s"}, {0, "0s"}, {59 * time.Second, "59s"},
		{119 * time.Second, "119s"}, {2 * time.Minute, "2m"}, {5*time.Minute + 3*time.Second, "5m3s"},
		{10*time.Minute + 3*time.Second, "10m"}, {179 * time.Minute, "179m"}, {3 * time.Hour, "3h"},
		{3*time.Hour + 25*time.Minute, "3h25m"}, {8*time.Hour + 59*time.Minute, "8h"}, {47 * time.Hour, "47h"},
		{48 * time.Hour, "2d"}, {50 * time.Hour, "2d2h"}, {8 * 24 * time.Hour, "8d"}, {400 * 24 * time.Hour, "400d"},
		{730 * 24 * time.Hour, "2y"}, {800 * 24 * time.Hour, "2y70d"}, {3000 * 24 * time.Hour, "8y"},
	} {
		if got := HumanDuration(tc.d); got != tc.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := Since(0, api.Unix(100, 0)); got != "<unknown>" {
		t.Errorf("Since(unset) = %q", got)
	}
}

var now = api.Unix(1_800_000_000, 0)

func ago(d time.Duration) api.Time { return now.Add(-d) }

func running(name string, ready bool, restarts int32) api.ContainerStatus {
	cs := api.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts,
		State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: ago(time.Minute)}}}
	if restarts > 0 {
		cs.LastState.Terminated = &api.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: ago(90 * time.Second)}
	}
	return cs
}

func waiting(name, reason string) api.ContainerStatus {
	return api.ContainerStatus{Name: name, State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: reason}}}
}

func terminated(name string, code int32, reason string) api.ContainerStatus {
	return api.ContainerStatus{Name: name, State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: code, Reason: reason}}}
}

func mkPod(name string, containers int, mut func(*api.Pod)) *api.Pod {
	pod := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(5*time.Minute + 3*time.Second)}}
	for i := 0; i < containers; i++ {
		pod.Spec.Containers = append(pod.Spec.Containers, api.Container{Name: string(rune('a' + i)), Image: "busybox"})
	}
	pod.Status.Phase = api.PodRunning
	if mut != nil {
		mut(pod)
	}
	return pod
}

func TestPodStatus(t *testing.T) {
	deleted := ago(time.Second)
	for _, tc := range []struct {
		name                    string
		pod                     *api.Pod
		status, ready, restarts string
	}{
		{"pending unscheduled", mkPod("p", 1, func(p *api.Pod) { p.Status.Phase = api.PodPending }), "Pending", "0/1", "0"},
		{"creating", mkPod("p", 2, func(p *api.Pod) {
			p.Status.Phase = api.PodPending
			p.Status.ContainerStatuses = []api.ContainerStatus{waiting("a", "ContainerCreating"), waiting("b", "ContainerCreating")}
		}), "ContainerCreating", "0/2", "0"},
		{"running", mkPod("p", 2, func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{running("a", true, 0), running("b", true, 0)}
		}), "Running", "2/2", "0"},
		{"crashloop", mkPod("p", 2, func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{running("a", true, 0), waiting("b", "CrashLoopBackOff")}
			p.Status.ContainerStatuses[1].RestartCount = 4
			p.Status.ContainerStatuses[1].LastState.Terminated = &api.ContainerStateTerminated{ExitCode: 2, FinishedAt: ago(3*time.Minute + 10*time.Second)}
		}), "CrashLoopBackOff", "1/2", "4 (3m10s ago)"},
		{"completed", mkPod("p", 1, func(p *api.Pod) {
			p.Status.Phase = api.PodSucceeded
			p.Status.ContainerStatuses = []api.ContainerStatus{terminated("a", 0, "Completed")}
		}), "Completed", "0/1", "0"},
		{"completed but one still running", mkPod("p", 2, func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{running("a", true, 0), terminated("b", 0, "Completed")}
		}), "NotReady", "1/2", "0"},
		{"exit code without reason", mkPod("p", 1, func(p *api.Pod) {
			p.Status.Phase = api.PodFailed
			p.Status.ContainerStatuses = []api.ContainerStatus{terminated("a", 3, "")}
		}), "ExitCode:3", "0/1", "0"},
		{"init running", mkPod("p", 1, func(p *api.Pod) {
			p.Status.Phase = api.PodPending
			p.Spec.InitContainers = []api.Container{{Name: "i1"}, {Name: "i2"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{terminated("i1", 0, "Completed"), running("i2", false, 0)}
			p.Status.ContainerStatuses = []api.ContainerStatus{waiting("a", "PodInitializing")}
		}), "Init:1/2", "0/1", "0"},
		{"init crashloop", mkPod("p", 1, func(p *api.Pod) {
			p.Status.Phase = api.PodPending
			p.Spec.InitContainers = []api.Container{{Name: "i1"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{waiting("i1", "CrashLoopBackOff")}
			p.Status.InitContainerStatuses[0].RestartCount = 2
		}), "Init:CrashLoopBackOff", "0/1", "2"},
		{"init failed", mkPod("p", 1, func(p *api.Pod) {
			p.Status.Phase = api.PodFailed
			p.Spec.InitContainers = []api.Container{{Name: "i1"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{terminated("i1", 1, "Error")}
		}), "Init:Error", "0/1", "0"},
		{"terminating", mkPod("p", 1, func(p *api.Pod) {
			p.DeletionTimestamp = &deleted
			p.Status.ContainerStatuses = []api.ContainerStatus{running("a", true, 1)}
		}), "Terminating", "1/1", "1 (90s ago)"},
		{"node lost", mkPod("p", 1, func(p *api.Pod) {
			p.DeletionTimestamp = &deleted
			p.Status.Reason = "NodeLost"
		}), "Unknown", "0/1", "0"},
		{"evicted", mkPod("p", 1, func(p *api.Pod) {
			p.Status.Phase = api.PodFailed
			p.Status.Reason = "Evicted"
		}), "Evicted", "0/1", "0"},
	} {
		status, ready, restarts := PodStatus(tc.pod, now)
		if status != tc.status || ready != tc.ready || restarts != tc.restarts {
			t.Errorf("%s: got %q %q %q, want %q %q %q", tc.name, status, ready, restarts, tc.status, tc.ready, tc.restarts)
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestTablesGolden prints a table of every kind, normal and wide, from
// testdata/objects.yaml.
func TestTablesGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/objects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := api.DecodeManifests(data)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string][]api.Object{}
	for _, o := range objs {
		byKind[o.GetTypeMeta().Kind] = append(byKind[o.GetTypeMeta().Kind], o)
	}
	var out bytes.Buffer
	for _, k := range api.Kinds() {
		if len(byKind[k.Kind]) == 0 {
			t.Errorf("testdata/objects.yaml has no %s", k.Kind)
			continue
		}
		tbl, err := ToTable(k.Kind, byKind[k.Kind], now, IncludeMetadata)
		if err != nil {
			t.Fatal(err)
		}
		// Through JSON and back, as the CLI gets it from the server.
		js, err := json.Marshal(tbl)
		if err != nil {
			t.Fatal(err)
		}
		var back Table
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		for _, o := range []PrintOptions{{}, {Wide: true, WithNamespace: k.Namespaced, ShowLabels: true}} {
			out.WriteString("# " + k.Kind)
			if o.Wide {
				out.WriteString(" -o wide")
			}
			out.WriteString("\n")
			if err := Print(&out, &back, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	golden(t, "tables.txt", out.Bytes())
}

func TestTableJSONShape(t *testing.T) {
	p := mkPod("web-1", 1, nil)
	tbl, err := ToTable("Pod", []api.Object{p}, now, IncludeObject)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(tbl)
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	if m["kind"] != "Table" || m["apiVersion"] != "meta.k8s.io/v1" {
		t.Errorf("type %v %v", m["kind"], m["apiVersion"])
	}
	cols := m["columnDefinitions"].([]any)
	if c := cols[0].(map[string]any); c["name"] != "Name" || c["format"] != "name" || c["priority"] != 0.0 {
		t.Errorf("first column %v", c)
	}
	row := m["rows"].([]any)[0].(map[string]any)
	if obj := row["object"].(map[string]any); obj["kind"] != "Pod" {
		t.Errorf("row object %v", obj)
	}
	if _, err := ToTable("Pod", []api.Object{p}, now, "Everything"); err == nil {
		t.Error("bad includeObject accepted")
	}
	if _, err := ToTable("Widget", nil, now, ""); err == nil {
		t.Error("unknown kind accepted")
	}
	tbl, _ = ToTable("Pod", []api.Object{p}, now, IncludeMetadata)
	js, _ = json.Marshal(tbl.Rows[0].Object)
	if !bytes.Contains(js, []byte("PartialObjectMetadata")) {
		t.Errorf("metadata row object %s", js)
	}
	if got := ResourceName(&api.Deployment{TypeMeta: api.TypeMeta{Kind: "Deployment"}, ObjectMeta: api.ObjectMeta{Name: "web"}}); got != "deployment.apps/web" {
		t.Errorf("ResourceName = %s", got)
	}
}

// TestWatchPrinting: successive tables share one header and widen their
// columns as kubectl's printer does.
func TestWatchPrinting(t *testing.T) {
	var out bytes.Buffer
	p := NewTablePrinter(&out, PrintOptions{})
	for _, name := range []string{"a", "a-much-longer-name"} {
		tbl, _ := ToTable("Namespace", []api.Object{&api.Namespace{TypeMeta: api.TypeMeta{Kind: "Namespace"},
			ObjectMeta: api.ObjectMeta{Name: name, CreationTimestamp: ago(time.Hour)}, Status: api.NamespaceStatus{Phase: "Active"}}}, now, "")
		if err := p.PrintTable(tbl); err != nil {
			t.Fatal(err)
		}
	}
	want := "NAME   STATUS   AGE\na      Active   60m\na-much-longer-name   Active   60m\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
