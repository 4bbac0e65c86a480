package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// readTestdata returns the named file under testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kindFixtures returns testdata/kinds/*.yaml by file name.
func kindFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "kinds", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

func decodeOne(t testing.TB, data []byte) Object {
	t.Helper()
	objs, err := DecodeManifests(data)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(objs) != 1 {
		t.Fatalf("decoded %d objects, want 1", len(objs))
	}
	return objs[0]
}

// roundTrip checks that obj encodes, decodes strictly to an equal object,
// and encodes to the same bytes again; it returns the first encoding.
func roundTrip(t testing.TB, obj Object) []byte {
	t.Helper()
	js, err := Encode(obj)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	back := decodeOne(t, js)
	if !reflect.DeepEqual(obj, back) {
		t.Fatalf("decode(encode(obj)) differs from obj; json: %.2000s", js)
	}
	js2, err := Encode(back)
	if err != nil {
		t.Fatalf("encode again: %v", err)
	}
	if !bytes.Equal(js, js2) {
		t.Fatalf("encoding is not stable:\n%.2000s\n%.2000s", js, js2)
	}
	y, err := EncodeYAML(obj)
	if err != nil {
		t.Fatalf("encode YAML: %v", err)
	}
	if fromYAML := decodeOne(t, y); !reflect.DeepEqual(obj, fromYAML) {
		t.Fatalf("decode(encodeYAML(obj)) differs from obj:\n%.2000s", y)
	}
	return js
}

func TestRoundTripEveryKind(t *testing.T) {
	fixtures := kindFixtures(t)
	seen := map[string]bool{}
	for name, data := range fixtures {
		t.Run(name, func(t *testing.T) {
			obj := decodeOne(t, data)
			seen[obj.GetTypeMeta().Kind] = true
			roundTrip(t, obj)
		})
	}
	var missing []string
	for _, k := range Kinds() {
		if !seen[k.Kind] {
			missing = append(missing, k.Kind)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no fixture in testdata/kinds for %s", strings.Join(missing, ", "))
	}
}

// TestFixturesLoseNothing checks that every field of every fixture survives
// decoding: the re-encoded YAML, decoded generically, holds every path of
// the input.
func TestFixturesLoseNothing(t *testing.T) {
	for name, data := range kindFixtures(t) {
		t.Run(name, func(t *testing.T) {
			obj := decodeOne(t, data)
			js, err := Encode(obj)
			if err != nil {
				t.Fatal(err)
			}
			in, err := parseYAMLGeneric(data)
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := parseJSON(js)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range leafPaths(in, "") {
				if !slices.Contains(leafPaths(out, ""), p) {
					t.Errorf("%s: lost in decoding", p)
				}
			}
		})
	}
}

func parseYAMLGeneric(data []byte) (any, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	v, _, err := parseJSON(js)
	return v, err
}

// leafPaths lists the paths of the scalar leaves of a generic value.
func leafPaths(v any, prefix string) []string {
	switch t := v.(type) {
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(t) {
			out = append(out, leafPaths(t[k], prefix+"."+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range t {
			out = append(out, leafPaths(e, fmt.Sprintf("%s[%d]", prefix, i))...)
		}
		return out
	}
	return []string{prefix}
}

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// The Deployment of the Kubernetes documentation's "Deployments" page.
func TestNginxDeployment(t *testing.T) {
	obj := decodeOne(t, readTestdata(t, "nginx-deployment.yaml"))
	d, ok := obj.(*Deployment)
	if !ok {
		t.Fatalf("decoded a %T", obj)
	}
	if d.APIVersion != "apps/v1" || d.Kind != "Deployment" || d.Name != "nginx-deployment" ||
		d.Labels["app"] != "nginx" || *d.Spec.Replicas != 3 || d.Spec.Selector.MatchLabels["app"] != "nginx" ||
		d.Spec.Template.Labels["app"] != "nginx" || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("decoded wrongly: %+v", d)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.Name != "nginx" || c.Image != "nginx:1.14.2" || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 80 {
		t.Fatalf("container decoded wrongly: %+v", c)
	}
	roundTrip(t, d)

	Default(d)
	d.Namespace = NamespaceDefault // as the API server does, from the request
	if errs := Validate(d); len(errs) > 0 {
		t.Fatalf("not valid:\n%s", strings.Join(errs.Strings(), "\n"))
	}
	s := d.Spec
	ps := s.Template.Spec
	c = ps.Containers[0]
	if *s.Replicas != 3 || s.Strategy.Type != "RollingUpdate" ||
		s.Strategy.RollingUpdate.MaxSurge.String() != "25%" || s.Strategy.RollingUpdate.MaxUnavailable.String() != "25%" ||
		*s.RevisionHistoryLimit != 10 || *s.ProgressDeadlineSeconds != 600 ||
		ps.RestartPolicy != "Always" || ps.DNSPolicy != "ClusterFirst" || ps.SchedulerName != "default-scheduler" ||
		*ps.TerminationGracePeriodSeconds != 30 || c.ImagePullPolicy != "IfNotPresent" ||
		c.TerminationMessagePath != "/dev/termination-log" || c.TerminationMessagePolicy != "File" ||
		c.Ports[0].Protocol != "TCP" {
		t.Errorf("not defaulted as Kubernetes does: %+v", d)
	}
	js := roundTrip(t, d)
	var indented bytes.Buffer
	if err := json.Indent(&indented, js, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "nginx-deployment.defaulted.json", append(indented.Bytes(), '\n'))
}

func TestDecodeMultiDocumentYAML(t *testing.T) {
	objs, err := DecodeManifests(readTestdata(t, "multi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.GetTypeMeta().Kind+"/"+o.GetObjectMeta().Name)
	}
	want := []string{"Namespace/shop", "ConfigMap/web-config", "ServiceAccount/web", "Lease/leader"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if cm := objs[1].(*ConfigMap); cm.Data["color"] != "blue" {
		t.Errorf("comment not stripped: %q", cm.Data["color"])
	}
	if l := objs[3].(*Lease); *l.Spec.HolderIdentity != "capstan-0" || *l.Spec.LeaseDurationSeconds != 15 {
		t.Errorf("lease: %+v", l.Spec)
	}
	for _, o := range objs {
		roundTrip(t, o)
	}
	// Content on the marker line; markers that are not markers; CRLF.
	in := "--- {apiVersion: v1, kind: Namespace, metadata: {name: inline}}\r\n" +
		"---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n  namespace: shop\r\ndata:\r\n  text: |\r\n    ----\r\n    --- indented\r\n"
	objs, err = DecodeManifests([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetObjectMeta().Name != "inline" || objs[1].(*ConfigMap).Data["text"] != "----\n--- indented\n" {
		t.Errorf("got %d objects: %#v", len(objs), objs)
	}
}

func TestDecodeJSONStream(t *testing.T) {
	objs, err := DecodeManifests(readTestdata(t, "stream.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3", len(objs))
	}
	for i, name := range []string{"a", "b", "c"} {
		p, ok := objs[i].(*Pod)
		if !ok || p.Name != name || p.APIVersion != "v1" || p.Kind != "Pod" || p.Spec.Containers[0].Image != "busybox:1.36" {
			t.Errorf("object %d: %#v", i, objs[i])
		}
	}
	// A single JSON object, pretty or not, and YAML flow syntax.
	for _, in := range []string{
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`,
		"\n  {\n \"apiVersion\": \"v1\",\n \"kind\": \"Namespace\",\n \"metadata\": {\"name\": \"a\"}\n}\n",
		"{apiVersion: v1, kind: Namespace, metadata: {name: a}}",
		"\xef\xbb\xbfapiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
	} {
		obj, err := DecodeOptions{Strict: true}.Decode([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if ns, ok := obj.(*Namespace); !ok || ns.Name != "a" {
			t.Errorf("%q: got %#v", in, obj)
		}
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n", "# just a comment\n", "---\n---\n", "---\n# c\n---\n...\n", "null\n"} {
		objs, err := DecodeManifests([]byte(in))
		if err != nil || len(objs) != 0 {
			t.Errorf("%q: got %v, %v; want nothing", in, objs, err)
		}
	}
	if _, err := (DecodeOptions{}).Decode(nil); err == nil || err.Error() != "expected exactly one object, found 0" {
		t.Errorf("Decode of nothing: %v", err)
	}
}

const podHeader = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n"

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // the strict error
		lenient  string // the lenient error, "" if it decodes
	}{
		{"unknown kind", "apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n",
			`document 0 (line 1): unknown kind "Widget" (apiVersion "v1"): known kinds are ConfigMap, Deployment, Endpoints, Event, Lease, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicaSet, Secret, Service, ServiceAccount`, "same"},
		{"wrong apiVersion", "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: web\n",
			`document 0 (line 1): wrong apiVersion "v1" for kind Deployment: want "apps/v1"`, "same"},
		{"wrong group", "apiVersion: apps/v1\nkind: Pod\nmetadata:\n  name: web\n",
			`document 0 (line 1): wrong apiVersion "apps/v1" for kind Pod: want "v1"`, "same"},
		{"lease group", "apiVersion: v1\nkind: Lease\nmetadata:\n  name: l\n",
			`document 0 (line 1): wrong apiVersion "v1" for kind Lease: want "coordination.k8s.io/v1"`, "same"},
		{"missing kind", "apiVersion: v1\nmetadata:\n  name: x\n", `document 0 (line 1): missing "kind"`, "same"},
		{"kind not a string", "apiVersion: v1\nkind: 3\n", `document 0 (line 1): "kind" must be a string, got number 3`, "same"},
		{"missing apiVersion", "kind: Pod\nmetadata:\n  name: x\n", `document 0 (line 1): missing "apiVersion" (kind Pod is "v1")`, "same"},
		{"unknown fields", podHeader + "  nmae: x\nspec:\n  containers:\n  - name: a\n    image: b\n    imagePullPolcy: Always\n  replicas: 3\n",
			`document 0 (line 1): Pod "web": unknown field "metadata.nmae", unknown field "spec.containers[0].imagePullPolcy", unknown field "spec.replicas"`, ""},
		{"case matters", podHeader + "spec:\n  Containers: []\n",
			`document 0 (line 1): Pod "web": unknown field "spec.Containers"`, ""},
		{"duplicate YAML key", podHeader + "  namespace: other\n",
			`document 0 (line 1): invalid YAML: yaml: unmarshal errors: line 6: key "namespace" already set in map`, ""},
		{"duplicate JSON key", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","name":"b"}}`,
			`document 0 (line 1): Namespace "b": duplicate field "metadata.name"`, ""},
		{"type errors", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n  paused: 1\n  selector: []\n  template:\n    spec:\n      containers:\n      - name: a\n        ports:\n        - containerPort: 1.5\n        - containerPort: 99999999999\n",
			`document 0 (line 1): Deployment "web": spec.paused: expected boolean, got number 1, spec.replicas: expected integer, got string "three", spec.selector: expected object, got array, spec.template.spec.containers[0].ports[0].containerPort: expected integer, got number 1.5, spec.template.spec.containers[0].ports[1].containerPort: number 99999999999 is out of range for int32`, "same"},
		{"map value type", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    version: 1.2\ndata:\n  enabled: true\n",
			`document 0 (line 1): ConfigMap "c": data[enabled]: expected string, got boolean true, metadata.labels[version]: expected string, got number 1.2`, "same"},
		{"bad quantity", podHeader + "spec:\n  containers:\n  - name: a\n    resources:\n      limits:\n        memory: 1 gig\n",
			`document 0 (line 1): Pod "web": spec.containers[0].resources.limits[memory]: quantity "1 gig": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`, "same"},
		{"bad time", podHeader + "  creationTimestamp: yesterday\n",
			`document 0 (line 1): Pod "web": metadata.creationTimestamp: invalid time "yesterday": want RFC 3339, as in "2006-01-02T15:04:05Z" or "2006-01-02T15:04:05.5+02:00"`, "same"},
		{"bad base64", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: hunter2\n",
			`document 0 (line 1): Secret "s": data[password]: invalid base64 data`, "same"},
		{"bad YAML", podHeader + "spec:\n  containers: [\n",
			`document 0 (line 1): invalid YAML: yaml: line 7: did not find expected node content`, "same"},
		{"bad YAML, later document", "# first\n" + podHeader + "---\n" + podHeader + "  labels: {a: [}\n",
			`document 1 (line 8): invalid YAML: yaml: line 12: did not find expected node content`, "same"},
		{"not an object", "- a\n- b\n", `document 0 (line 1): expected an object, got array`, "same"},
		{"scalar", "hello\n", `document 0 (line 1): expected an object, got string "hello"`, "same"},
		{"bad JSON after a good one", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}` + "\n\n{\"kind\": }",
			`document 1 (line 3): invalid JSON at line 3: invalid character '}' looking for beginning of value`, "same"},
		{"list with a bad item", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n    label: {}\n- 7\n",
			"document 0 (line 1), item 1: Namespace \"b\": unknown field \"metadata.label\"\ndocument 0 (line 1), item 2: expected an object, got number 7",
			`document 0 (line 1), item 2: expected an object, got number 7`},
		{"list of the wrong kind", "apiVersion: v1\nkind: PodList\nitems:\n- kind: Node\n  metadata:\n    name: n\n",
			`document 0 (line 1), item 0: a PodList may hold only Pod objects, not Node`, "same"},
		{"list with a wrong apiVersion", "apiVersion: apps/v1\nkind: List\nitems: []\n",
			`document 0 (line 1): List: wrong apiVersion "apps/v1" for kind List: want "v1"`, "same"},
		{"list with unknown fields", "apiVersion: v1\nkind: List\nitem: []\n",
			`document 0 (line 1): List: unknown field "item"`, ""},
		{"nested list", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: []\n",
			`document 0 (line 1), item 0: nested lists are not supported`, "same"},
		{"several documents", podHeader + "---\napiVersion: v1\nkind: Nope\n---\n" + podHeader + "spec:\n  extra: 1\n",
			"document 1 (line 7): unknown kind \"Nope\" (apiVersion \"v1\"): known kinds are ConfigMap, Deployment, Endpoints, Event, Lease, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicaSet, Secret, Service, ServiceAccount\n" +
				`document 2 (line 10): Pod "web": unknown field "spec.extra"`,
			"document 1 (line 7): unknown kind \"Nope\" (apiVersion \"v1\"): known kinds are ConfigMap, Deployment, Endpoints, Event, Lease, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicaSet, Secret, Service, ServiceAccount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := DecodeManifests([]byte(tc.in))
			if err == nil {
				t.Fatalf("decoded %d objects, want error %s", len(objs), tc.want)
			}
			if objs != nil {
				t.Errorf("returned objects with an error")
			}
			if err.Error() != tc.want {
				t.Errorf("strict:\n got: %s\nwant: %s", err, tc.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("%T is not a *DecodeError", err)
			}
			want := tc.lenient
			if want == "same" {
				want = tc.want
			}
			_, err = DecodeOptions{}.DecodeManifests([]byte(tc.in))
			switch {
			case want == "" && err != nil:
				t.Errorf("lenient: %v", err)
			case want != "" && (err == nil || err.Error() != want):
				t.Errorf("lenient:\n got: %v\nwant: %s", err, want)
			}
		})
	}
}

func TestDecodeErrorFields(t *testing.T) {
	in := podHeader + "---\napiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(podHeader, "\n", "\n  ") + "spec:\n    bogus: 1\n"
	_, err := DecodeManifests([]byte(in))
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got %v", err)
	}
	want := DecodeError{Document: 1, Item: 0, Line: 7, Kind: "Pod", Name: "web"}
	got := *de
	got.Err = nil
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDecodeLenient(t *testing.T) {
	in := podHeader + "  Labels: {a: b}\n  future: {x: 1}\nspec:\n  containers:\n  - name: a\n    image: b\n    newField: [1, 2]\nstatus:\n  phase: Running\n  somethingNew: 3\n"
	objs, err := DecodeOptions{}.DecodeManifests([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	p := objs[0].(*Pod)
	if p.Labels != nil {
		t.Errorf("a field spelt with another case was kept: %v", p.Labels)
	}
	if p.Spec.Containers[0].Image != "b" || p.Status.Phase != "Running" {
		t.Errorf("known fields lost: %+v", p)
	}
	// Duplicates: the last one wins.
	objs, err = DecodeOptions{}.DecodeManifests([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","name":"b"}}`))
	if err != nil || objs[0].GetObjectMeta().Name != "b" {
		t.Errorf("got %v, %v", objs, err)
	}
}

func TestDecodeLimits(t *testing.T) {
	big := []byte(podHeader + strings.Repeat("# padding\n", 1000))
	_, err := DecodeOptions{Strict: true, MaxBytes: 100}.DecodeManifests(big)
	if err == nil || err.Error() != fmt.Sprintf("manifest is %d bytes, more than the limit of 100", len(big)) {
		t.Errorf("got %v", err)
	}
	if _, err := (DecodeOptions{Strict: true}).DecodeManifests(big); err != nil {
		t.Errorf("under the default limit: %v", err)
	}
	// Deep nesting is an error, not a crash.
	for _, in := range []string{
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}",
		podHeader + "x: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
		podHeader + "x: " + strings.Repeat("{a: ", 20000) + "1" + strings.Repeat("}", 20000) + "\n",
	} {
		if _, err := DecodeManifests([]byte(in)); err == nil {
			t.Errorf("deep nesting decoded")
		}
	}
	// A large, valid object.
	data := map[string]string{}
	for i := range 2000 {
		data[fmt.Sprintf("key-%04d", i)] = strings.Repeat("v", 400)
	}
	cm := &ConfigMap{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: ObjectMeta{Name: "big", Namespace: "shop"}, Data: data}
	roundTrip(t, cm)
}

func TestEncode(t *testing.T) {
	p := &Pod{ObjectMeta: ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: PodSpec{Containers: []Container{{Name: "app", Image: "busybox"}}}}
	js, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[{"name":"app","image":"busybox"}]}}`
	if string(js) != want {
		t.Errorf("got  %s\nwant %s", js, want)
	}
	if p.APIVersion != "" || p.Kind != "" {
		t.Errorf("Encode changed its argument: %+v", p.TypeMeta)
	}
	y, err := EncodeYAML(p)
	if err != nil {
		t.Fatal(err)
	}
	wantYAML := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - image: busybox\n    name: app\n"
	if string(y) != wantYAML {
		t.Errorf("got:\n%s\nwant:\n%s", y, wantYAML)
	}
	// A wrong TypeMeta is corrected from the Go type.
	d := &Deployment{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: ObjectMeta{Name: "d"}}
	js, _ = Encode(d)
	if !strings.HasPrefix(string(js), `{"apiVersion":"apps/v1","kind":"Deployment",`) {
		t.Errorf("got %s", js)
	}
	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
	if _, err := Encode((*Pod)(nil)); err == nil {
		t.Error("Encode of a nil *Pod succeeded")
	}
}
