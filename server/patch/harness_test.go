package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"sigs.k8s.io/yaml"

	"github.com/capstan-dev/capstan/core/api"
)

// TestCases runs the cases of testdata/*.txt: each file holds an object
// and patches applied to it, with the patched object (as YAML, keys sorted)
// or the error below each patch. `go test ./server/patch -rewrite`
// regenerates the expected output, which must then be read line by line.
//
// Commands:
//
//	object                 the body (YAML) becomes the object patched next
//	patch type=T [chain] [raw] [lenient] [differs]
//	                       apply the body (YAML, sent as JSON; with raw, the
//	                       bytes as written) as a patch of type T (json,
//	                       merge, strategic, or a Content-Type); with chain,
//	                       the result becomes the object patched next.
//	                       Results must decode with core/api's strict
//	                       decoder, unless lenient. differs marks a case
//	                       where Kubernetes' answer differs (the comment
//	                       above it says how): see TestAgainstKubectl.
//	threeway [differs] [patch-differs]
//	                       the body is a live object, "---", a manifest:
//	                       print ThreeWay's patch for kubectl apply of the
//	                       manifest, and check that Apply's result of it
//	                       holds the manifest (see TestKubectlApplySends)
func TestCases(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if !strings.HasSuffix(path, ".txt") {
			t.Skip("not a case file")
		}
		h := &harness{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return h.run(t, d)
		})
	})
}

type harness struct {
	kind     string
	original []byte // JSON
}

func (h *harness) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "object":
		js, err := yaml.YAMLToJSON([]byte(d.Input))
		if err != nil {
			d.Fatalf(t, "object: %v", err)
		}
		obj, err := api.DecodeOptions{Strict: true}.Decode(js)
		if err != nil {
			d.Fatalf(t, "object: %v", err)
		}
		h.kind, h.original = obj.GetTypeMeta().Kind, js
		return fmt.Sprintf("%s %q", h.kind, obj.GetObjectMeta().Name)
	case "patch":
		var typ string
		d.ScanArgs(t, "type", &typ)
		patchBytes := []byte(d.Input)
		if !d.HasArg("raw") {
			js, err := yaml.YAMLToJSON(patchBytes)
			if err != nil {
				d.Fatalf(t, "patch: %v", err)
			}
			patchBytes = js
		}
		out, err := Apply(h.kind, contentType(typ), h.original, patchBytes)
		if err != nil {
			return describeError(t, err)
		}
		if !d.HasArg("lenient") {
			if _, derr := (api.DecodeOptions{Strict: true}).Decode(out); derr != nil {
				t.Errorf("%s: the result does not decode strictly: %v", d.Pos, derr)
			}
		}
		if d.HasArg("chain") {
			h.original = out
		}
		y, err := yaml.JSONToYAML(out)
		if err != nil {
			d.Fatalf(t, "result to YAML: %v", err)
		}
		return string(y)
	case "threeway":
		return h.threeWay(t, d)
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

// contentType expands the short names of patch types.
func contentType(typ string) string {
	switch typ {
	case "json":
		return JSONPatchType
	case "merge":
		return MergePatchType
	case "strategic":
		return StrategicMergePatchType
	}
	return typ
}

// describeError prints a StatusError as "error: CODE Reason: message",
// then its causes; any other error fails the test.
func describeError(t *testing.T, err error) string {
	var se *api.StatusError
	if !errors.As(err, &se) {
		t.Errorf("not a StatusError: %T %v", err, err)
		return "error: " + err.Error() + "\n"
	}
	st := se.Status()
	var b strings.Builder
	fmt.Fprintf(&b, "error: %d %s: %s\n", st.Code, st.Reason, st.Message)
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			fmt.Fprintf(&b, "cause: %s %s: %s\n", c.Type, c.Field, c.Message)
		}
	}
	return b.String()
}

// caseFiles returns the objects and patches of testdata's case files, as
// fuzz seeds: each patch with the object it applies to.
func caseSeeds(tb testing.TB) []seed {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no case files: %v", err)
	}
	sort.Strings(files)
	var seeds []seed
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, seedsOf(tb, f, string(data))...)
	}
	return seeds
}

type seed struct {
	kind, typ       string
	original, patch []byte
	pos             string // file:line of the patch command
	differs         bool   // Kubernetes answers otherwise, on purpose
}

// seedsOf parses a case file just enough to pair patches with objects.
func seedsOf(tb testing.TB, file, text string) []seed {
	var seeds []seed
	var kind string
	var original []byte
	line := 1
	blocks := strings.Split(text, "\n\n")
	for _, b := range blocks {
		start := line
		line += strings.Count(b, "\n") + 2
		for strings.HasPrefix(b, "\n") {
			b, start = b[1:], start+1
		}
		for strings.HasPrefix(b, "#") {
			_, b, _ = strings.Cut(b, "\n")
			start++
		}
		head, rest, ok := strings.Cut(b, "\n")
		if !ok {
			continue
		}
		body, _, _ := strings.Cut(rest, "\n----\n")
		fields := strings.Fields(head)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "object":
			js, err := yaml.YAMLToJSON([]byte(body))
			if err != nil {
				tb.Fatalf("seed object: %v", err)
			}
			var m struct{ Kind string }
			if json.Unmarshal(js, &m) == nil {
				kind, original = m.Kind, js
			}
		case "patch":
			s := seed{kind: kind, original: original, patch: []byte(body), pos: fmt.Sprintf("%s:%d", file, start)}
			raw := false
			for _, f := range fields[1:] {
				if v, ok := strings.CutPrefix(f, "type="); ok {
					s.typ = contentType(v)
				}
				raw = raw || f == "raw"
				s.differs = s.differs || f == "differs"
			}
			if !raw {
				if js, err := yaml.YAMLToJSON(s.patch); err == nil {
					s.patch = js
				}
			}
			seeds = append(seeds, s)
		}
	}
	return seeds
}

// threeWay prints the patch kubectl apply would send for a case of
// testdata/threeway.txt, after checking that the patched object holds the
// manifest.
func (h *harness) threeWay(t *testing.T, d *datadriven.TestData) string {
	in := parseThreeWay(t, d.Input)
	p, err := ThreeWay(in.kind, in.original, in.modified, in.live)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	got, err := Apply(in.kind, StrategicMergePatchType, in.live, p)
	if err != nil {
		t.Errorf("%s: applying the three-way patch: %v", d.Pos, err)
	} else if at, ok := contains(mustDecode(t, got), mustDecode(t, in.manifest), ""); !ok {
		t.Errorf("%s: the patched object lacks the manifest's %s:\n%s", d.Pos, at, got)
	}
	y, err := yaml.JSONToYAML(p)
	if err != nil {
		d.Fatalf(t, "patch to YAML: %v", err)
	}
	return string(y)
}
