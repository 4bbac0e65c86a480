package patch

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

var fuzzKinds = []string{"Deployment", "Pod", "Service", "Node", "ServiceAccount", "ConfigMap", "Nope", ""}

var fuzzTypes = []string{StrategicMergePatchType, MergePatchType, JSONPatchType, ApplyPatchType, "application/json", ""}

// FuzzApply feeds Apply arbitrary objects and patches of every type.
// Whatever the input: no panic; an error is a *api.StatusError with a code
// Apply documents (a 500 only when the original is not a JSON object,
// which is the server's fault, not the client's); a result is a JSON
// object; and Apply does not modify its inputs.
//
// `go test` replays the seeds (every case of testdata/ plus the ones
// below); `go test -fuzz FuzzApply ./server/patch` searches for more.
func FuzzApply(f *testing.F) {
	for _, s := range caseSeeds(f) {
		f.Add(kindIndex(s.kind), typeIndex(s.typ), s.original, s.patch)
	}
	pod := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["a"]},"spec":{"containers":[{"name":"c","image":"i","env":[{"name":"A"}]}]}}`)
	for _, p := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `1e999999999`, `{"a":1}{`,
		`{"$patch":"delete"}`, `{"$patch":"replace"}`, `{"$patch":null}`, `{"$retainKeys":null}`,
		`{"metadata":{"$setElementOrder/finalizers":[null,"a","a"],"finalizers":["a",null]}}`,
		`{"spec":{"containers":[{"name":"c","$setElementOrder/env":[{"name":"A"},{"name":"A"}],"env":[{"name":"A","$patch":"delete"},{"name":"A"}]}]}}`,
		`{"spec":{"containers":[{"$patch":"replace"},{"$patch":"replace"},{"name":null}]}}`,
		`{"spec":{"$setElementOrder/containers":[{"name":1},{"name":true}],"containers":{"name":"x"}}}`,
		`{"spec":{"$deleteFromPrimitiveList/containers":["c"]}}`,
		`[{"op":"copy","from":"","path":"/x"},{"op":"copy","from":"","path":"/y"},{"op":"move","from":"/x","path":"/y/x"}]`,
		`[{"op":"add","path":"/spec/containers/-","value":null},{"op":"remove","path":"/spec/containers/-1"},{"op":"test","path":"","value":{}}]`,
		`[{"op":"replace","path":"/metadata/finalizers/0","value":[1,{"a":[]}]},{"op":"move","from":"/metadata/finalizers","path":"/spec/containers/0/env/-"}]`,
	} {
		for ti := range fuzzTypes[:3] {
			f.Add(uint8(1), uint8(ti), pod, []byte(p))
		}
	}
	for _, orig := range []string{``, `null`, `[]`, `{"kind":5}`, `{"metadata":[]}`} {
		f.Add(uint8(0), uint8(0), []byte(orig), []byte(`{"metadata":{"labels":{"a":"b"}}}`))
	}
	f.Fuzz(func(t *testing.T, ki, ti uint8, original, patch []byte) {
		kind := fuzzKinds[int(ki)%len(fuzzKinds)]
		typ := fuzzTypes[int(ti)%len(fuzzTypes)]
		origCopy, patchCopy := string(original), string(patch)
		out, err := Apply(kind, typ, original, patch)
		if string(original) != origCopy || string(patch) != patchCopy {
			t.Fatalf("Apply modified its inputs")
		}
		if err != nil {
			var se *api.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, not a *api.StatusError: %v", err, err)
			}
			switch code := se.Status().Code; code {
			case 400, 409, 413, 415, 422:
			case 500:
				var m map[string]any
				if json.Unmarshal(original, &m) == nil && m != nil {
					t.Fatalf("500 for an original that is a JSON object: %v", err)
				}
			default:
				t.Fatalf("unexpected code %d: %v", code, err)
			}
			if se.Error() == "" {
				t.Fatalf("empty error message")
			}
			return
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil || m == nil {
			t.Fatalf("result is not a JSON object: %q (%v)", out, err)
		}
	})
}

func kindIndex(kind string) uint8 {
	for i, k := range fuzzKinds {
		if k == kind {
			return uint8(i)
		}
	}
	return 0
}

func typeIndex(typ string) uint8 {
	for i, t := range fuzzTypes {
		if t == typ {
			return uint8(i)
		}
	}
	return uint8(len(fuzzTypes) - 1)
}

// FuzzThreeWay feeds ThreeWay arbitrary documents: no panic, and a patch
// it returns is a JSON object that Apply takes on the live object (when
// that is an object of the kind) without a server error.
func FuzzThreeWay(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "threeway.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range strings.Split(string(data), "\nthreeway")[1:] {
		_, body, _ := strings.Cut(c, "\n")
		body, _, _ = strings.Cut(body, "\n----\n")
		in := parseThreeWay(f, body+"\n")
		f.Add(in.original, in.modified, in.live)
	}
	f.Add([]byte(`{"spec":{"containers":[{"name":"a"},{"name":"a"}]}}`), []byte(`{"spec":{"containers":[1,{"name":"a"}]}}`), []byte(`{"spec":{"containers":{"name":"a"}}}`))
	f.Add([]byte(`{"metadata":{"finalizers":["a",["b"]]}}`), []byte(`{"metadata":{"finalizers":[{"a":1}]}}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, original, modified, current []byte) {
		p, err := ThreeWay("Pod", original, modified, current)
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(p, &m); err != nil || m == nil {
			t.Fatalf("patch is not a JSON object: %q (%v)", p, err)
		}
		var live map[string]any
		if json.Unmarshal(current, &live) != nil || live == nil {
			return
		}
		if _, err := Apply("Pod", StrategicMergePatchType, current, p); err != nil {
			var se *api.StatusError
			if !errors.As(err, &se) || se.Status().Code >= 500 {
				t.Fatalf("Apply of ThreeWay's patch %s: %v", p, err)
			}
		}
	})
}
