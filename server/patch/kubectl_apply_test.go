package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/datadriven"
	"pgregory.net/rapid"
	"sigs.k8s.io/yaml"

	"github.com/capstan-dev/capstan/core/api"
)

// TestKubectlApplySends runs kubectl apply for each case of
// testdata/threeway.txt against a fake API server on loopback that serves
// discovery and the case's live object, and records the strategic merge
// patch kubectl sends. That patch must be ThreeWay's (the case's expected
// output) unless the case says patch-differs, and Apply's result of it
// must equal kubectl patch --local's unless the case says differs. Opt-in (-kubectl), as TestAgainstKubectl.
func TestKubectlApplySends(t *testing.T) {
	kubectl := needKubectl(t)
	datadriven.RunTest(t, filepath.Join("testdata", "threeway.txt"), func(t *testing.T, d *datadriven.TestData) string {
		in := parseThreeWay(t, d.Input)
		sent := kubectlApply(t, kubectl, in)
		contentType := StrategicMergePatchType
		mine, err := ThreeWay(in.kind, in.original, in.modified, in.live)
		if err != nil {
			t.Fatalf("ThreeWay: %v", err)
		}
		kubectlSent := sent
		if kubectlSent == nil {
			kubectlSent = []byte("{}") // kubectl sends nothing when the patch is empty
		}
		if same := equalJSON(mustDecode(t, mine), mustDecode(t, kubectlSent)); same == d.HasArg("patch-differs") {
			t.Errorf("%s: ThreeWay's patch and kubectl apply's agree: %v (want %v)\nThreeWay: %s\nkubectl:  %s", d.Pos, same, !d.HasArg("patch-differs"), mine, kubectlSent)
		}
		if sent == nil {
			return d.Expected
		}
		got, err := Apply(in.kind, contentType, in.live, sent)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		want := kubectlPatchLocal(t, kubectl, t.TempDir(), in.live, sent)
		gn, gerr := normalise(got)
		wn, werr := normalise(want)
		if gerr != nil || werr != nil {
			t.Fatalf("normalise: %v, %v", gerr, werr)
		}
		if equal := bytes.Equal(gn, wn); equal == d.HasArg("differs") {
			t.Errorf("%s: Apply and kubectl patch --local agree: %v (want %v)\nApply:   %s\nkubectl: %s", d.Pos, equal, !d.HasArg("differs"), gn, wn)
		}
		return d.Expected
	})
}

// kubectlApply runs kubectl apply of the input's manifest against a fake
// API server that holds its live object, and returns the patch kubectl
// sent (nil if none).
func kubectlApply(t *testing.T, kubectl string, in threeWayInput) []byte {
	srv := newFakeAPIServer(in.live)
	defer srv.Close()
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	manifest := filepath.Join(dir, "manifest.json")
	cfg := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: %q}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n", srv.URL)
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, in.manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kubectl, "--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(dir, "cache"), "apply", "--validate=false", "-f", manifest).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply: %v: %s", err, out)
	}
	sent, contentType := srv.patch()
	if sent != nil && contentType != StrategicMergePatchType {
		t.Fatalf("kubectl sent a %q patch", contentType)
	}
	return sent
}

// threeWayInput is a case of testdata/threeway.txt, with the original and
// the modified configuration that kubectl apply derives from it.
type threeWayInput struct {
	kind                               string
	live, manifest, original, modified []byte
}

// parseThreeWay reads "live YAML --- manifest YAML" and builds what
// kubectl apply diffs: the original from the live object's annotation,
// the modified configuration from the manifest with the annotation set to
// the manifest itself (with an empty annotations map if it had none).
func parseThreeWay(t testing.TB, input string) threeWayInput {
	liveYAML, manifestYAML, ok := strings.Cut(input, "\n---\n")
	if !ok {
		t.Fatalf("threeway: want the live object, ---, the manifest")
	}
	var in threeWayInput
	var err error
	if in.live, err = yaml.YAMLToJSON([]byte(liveYAML)); err != nil {
		t.Fatal(err)
	}
	if in.manifest, err = yaml.YAMLToJSON([]byte(manifestYAML)); err != nil {
		t.Fatal(err)
	}
	live := mustDecode(t, in.live).(map[string]any)
	in.kind, _ = live["kind"].(string)
	if md, ok := live["metadata"].(map[string]any); ok {
		if an, ok := md["annotations"].(map[string]any); ok {
			if s, ok := an[lastAppliedAnnotation].(string); ok {
				in.original = []byte(s)
			}
		}
	}
	m := mustDecode(t, in.manifest).(map[string]any)
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	an, _ := md["annotations"].(map[string]any)
	if an == nil {
		an = map[string]any{}
		md["annotations"] = an
	}
	delete(an, lastAppliedAnnotation)
	config := mustJSON(t, m)
	an[lastAppliedAnnotation] = string(config) + "\n"
	in.modified = mustJSON(t, m)
	return in
}

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// fakeAPIServer answers discovery for every kind of core/api, GETs of
// any object with the live object, and records one PATCH.
type fakeAPIServer struct {
	*httptest.Server
	mu          sync.Mutex
	sent        []byte
	contentType string
}

func newFakeAPIServer(live []byte) *fakeAPIServer {
	f := &fakeAPIServer{}
	reply := func(w http.ResponseWriter, code int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		b, _ := json.Marshal(body)
		w.Write(b)
	}
	// The resources of each group version, and the groups.
	resources := map[string][]map[string]any{}
	var groups []map[string]any
	for _, k := range api.Kinds() {
		gv := k.APIVersion()
		if k.Group != "" && resources[gv] == nil {
			v := map[string]any{"groupVersion": gv, "version": k.Version}
			groups = append(groups, map[string]any{"name": k.Group, "versions": []any{v}, "preferredVersion": v})
		}
		resources[gv] = append(resources[gv], map[string]any{
			"name": k.Resource, "singularName": strings.ToLower(k.Kind), "namespaced": k.Namespaced, "kind": k.Kind,
			"verbs": []string{"create", "delete", "get", "list", "patch", "update"},
		})
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		gv := strings.TrimPrefix(strings.TrimPrefix(p, "/apis/"), "/api/")
		switch {
		case r.Method == http.MethodPatch:
			body, _ := io.ReadAll(r.Body)
			f.mu.Lock()
			f.sent, f.contentType = body, r.Header.Get("Content-Type")
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Write(live)
		case p == "/api":
			reply(w, 200, map[string]any{"kind": "APIVersions", "versions": []string{"v1"},
				"serverAddressByClientCIDRs": []any{map[string]any{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}}})
		case p == "/apis":
			reply(w, 200, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
		case resources[gv] != nil:
			reply(w, 200, map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources[gv]})
		case strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/apis/"):
			w.Header().Set("Content-Type", "application/json")
			w.Write(live)
		default:
			reply(w, 404, map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound", "message": "not found"})
		}
	}))
	return f
}

func (f *fakeAPIServer) patch() ([]byte, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent, f.contentType
}

func kubectlPatchLocal(t *testing.T, kubectl, dir string, live, p []byte) []byte {
	file := filepath.Join(dir, "live.json")
	if err := os.WriteFile(file, live, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "patch", "--local", "-f", file, "--type", "strategic", "-p", string(p), "-o", "json")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl patch --local: %v", err)
	}
	return out
}

// contains reports whether have holds want: objects member by member,
// lists element by element in order (have may hold more elements, such
// as ones the server added), scalars equal. It returns where it does not.
func contains(have, want any, at string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return at, false
		}
		for k, wv := range w {
			if p, ok := contains(h[k], wv, at+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		h, ok := have.([]any)
		if !ok {
			return at, false
		}
		j := 0
		for i, we := range w {
			for ; j < len(h); j++ {
				if _, ok := contains(h[j], we, ""); ok {
					break
				}
			}
			if j == len(h) {
				return fmt.Sprintf("%s[%d]", at, i), false
			}
			j++
		}
		return "", true
	}
	return at, equalJSON(have, want)
}

// TestKubectlApplyRandom is TestKubectlApplySends over generated Pods:
// for each last-applied configuration, new configuration and live object
// that rapid draws, kubectl apply's patch must equal ThreeWay's. Opt-in
// (-kubectl); about two seconds a case: -rapid.checks=N sets how many.
func TestKubectlApplyRandom(t *testing.T) {
	kubectl := needKubectl(t)
	rapid.Check(t, func(rt *rapid.T) {
		original, modified, current := genPod(rt, "original"), genPod(rt, "modified"), genPod(rt, "current")
		md := current["metadata"].(map[string]any)
		md["namespace"] = "default"
		md["annotations"] = map[string]any{lastAppliedAnnotation: string(mustJSON(rt, original))}
		modified["metadata"].(map[string]any)["namespace"] = "default"
		input := string(mustJSON(rt, current)) + "\n---\n" + string(mustJSON(rt, modified))
		in := parseThreeWay(t, input)
		sent := kubectlApply(t, kubectl, in)
		mine, err := ThreeWay(in.kind, in.original, in.modified, in.live)
		if err != nil {
			rt.Fatalf("ThreeWay: %v", err)
		}
		if sent == nil {
			if string(mine) != "{}" {
				rt.Fatalf("kubectl apply sent no patch; ThreeWay's is %s", mine)
			}
			return
		}
		m, k := mustDecode(rt, mine).(map[string]any), mustDecode(rt, sent).(map[string]any)
		forgiveSortedReorder(m, k, current, modified)
		if !equalJSON(m, k) {
			rt.Fatalf("ThreeWay's patch differs from kubectl apply's:\nThreeWay: %s\nkubectl:  %s", mine, sent)
		}
	})
}

// forgiveSortedReorder removes from ThreeWay's patch mine the finalizers'
// order list that kubectl's patch k lacks where that is kubectl's known
// slip: the live list reordered into sorted order (see diffMergedList).
func forgiveSortedReorder(mine, k map[string]any, current, modified map[string]any) {
	const key = setElementOrderPrefix + "finalizers"
	mm, _ := mine["metadata"].(map[string]any)
	km, _ := k["metadata"].(map[string]any)
	if mm == nil || mm[key] == nil || km != nil && km[key] != nil {
		return
	}
	from, _ := current["metadata"].(map[string]any)["finalizers"].([]any)
	to, _ := modified["metadata"].(map[string]any)["finalizers"].([]any)
	if equalJSON(sortedByText(from), to) && !equalJSON(from, to) {
		delete(mm, key)
		if len(mm) == 0 {
			delete(mine, "metadata")
		}
	}
}
