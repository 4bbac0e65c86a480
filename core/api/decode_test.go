package api

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
		t.Fatalf("decode(encode(obj)) differs from obj:\n obj: %#v\nback: %#v\njson: %s", obj, back, js)
	}
	js2, err := Encode(back)
	if err != nil {
		t.Fatalf("encode again: %v", err)
	}
	if !bytes.Equal(js, js2) {
		t.Fatalf("encoding is not stable:\n%s\n%s", js, js2)
	}
	y, err := EncodeYAML(obj)
	if err != nil {
		t.Fatalf("encode YAML: %v", err)
	}
	if fromYAML := decodeOne(t, y); !reflect.DeepEqual(obj, fromYAML) {
		t.Fatalf("decode(encodeYAML(obj)) differs from obj:\n%s", y)
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
				if !contains(leafPaths(out, ""), p) {
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
