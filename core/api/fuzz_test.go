package api

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeManifests feeds arbitrary bytes to the decoder. Whatever the
// input: no panic; an error comes with no objects; whatever decodes,
// Default and Validate take without panicking, Default is idempotent, and
// the object encodes (JSON and YAML) and decodes strictly to an equal object
// once normalised (timestamps lose their fractions on the wire, as in
// Kubernetes), byte for byte.
//
// `go test` replays the seeds below and testdata/fuzz/FuzzDecodeManifests/;
// `make fuzz` (go test -fuzz) searches for more.
func FuzzDecodeManifests(f *testing.F) {
	for _, b := range kindFixtures(f) {
		f.Add(b)
	}
	for _, name := range []string{"nginx-deployment.yaml", "multi.yaml", "stream.json", "invalid-deployment.yaml"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{
		"", "---", "...", "{", "[", "null", "{}", "[]", "0", "\xff\xfe", "\x00",
		"apiVersion: v1\nkind: List\nitems: [null, 1, {}]\n",
		"apiVersion: v1\nkind: PodList\nitems: [{metadata: {name: a}}]\n",
		"a: &a [*a]\n",
		"a: &a [x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: x, creationTimestamp: '2026-11-26T18:00:00.999999999+01:00'}\n",
		"apiVersion: v1\nkind: Node\nmetadata: {name: x}\nstatus: {capacity: {cpu: 1e100, memory: -0.0001Ki, pods: '  3  '}}\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: {a: '', b: 'YQ==\n'}\nstringData: {a: x}\n",
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1e2,"strategy":{"rollingUpdate":{"maxSurge":"x%"}}}}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":null}]}}`,
		"apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l}\nspec: {renewTime: '2026-11-26T18:00:00.1234567Z'}\n",
		"--- {apiVersion: v1, kind: Namespace, metadata: {name: inline}}\n",
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: \"\\u0085\\ufeff\\u2028\"}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{true, false} {
			objs, err := DecodeOptions{Strict: strict}.DecodeManifests(data)
			if err != nil {
				if objs != nil {
					t.Fatalf("objects returned with an error: %v", err)
				}
				continue
			}
			for _, obj := range objs {
				checkDecodedObject(t, obj)
			}
		}
	})
}

func checkDecodedObject(t *testing.T, obj Object) {
	t.Helper()
	_ = Validate(obj)
	defaulted := CopyObject(obj)
	Default(defaulted)
	_ = Validate(defaulted)
	_ = ValidateUpdate(defaulted, obj)
	again := CopyObject(defaulted)
	Default(again)
	if !reflect.DeepEqual(again, defaulted) {
		t.Fatalf("Default is not idempotent")
	}
	if p, ok := obj.(*Pod); ok {
		checkDefaultPodShared(t, p)
		checkDefaultPodShared(t, defaulted.(*Pod))
	}

	norm := reencode(t, obj) // normalised once
	js, err := Encode(norm)
	if err != nil {
		t.Fatal(err)
	}
	if back := reencode(t, norm); !reflect.DeepEqual(back, norm) {
		t.Fatalf("JSON round trip differs:\n%s", js)
	}
	if js2, _ := Encode(reencode(t, norm)); !bytes.Equal(js, js2) {
		t.Fatalf("encoding not stable:\n%s\n%s", js, js2)
	}
	y, err := EncodeYAML(norm)
	if err != nil {
		t.Fatalf("EncodeYAML: %v", err)
	}
	fromYAML, err := DecodeOptions{Strict: true}.Decode(y)
	if err != nil {
		t.Fatalf("decoding our YAML: %v\n%s", err, y)
	}
	if !reflect.DeepEqual(fromYAML, norm) {
		t.Fatalf("YAML round trip differs:\n%s", y)
	}
}

// reencode encodes obj and decodes it strictly.
func reencode(t *testing.T, obj Object) Object {
	t.Helper()
	js, err := Encode(obj)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	back, err := DecodeOptions{Strict: true}.Decode(js)
	if err != nil {
		t.Fatalf("decoding our JSON: %v\n%s", err, js)
	}
	return back
}
