package patch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkApply measures each patch type on the Deployment of
// testdata/apply.txt: the strategic merge patch kubectl apply sends for it
// (every directive), a JSON patch of three operations, a merge patch of
// the replicas. Figures: docs/benchmarks.md.
func BenchmarkApply(b *testing.B) {
	seeds := seedsOf(b, "apply.txt", mustRead(b, filepath.Join("testdata", "apply.txt")))
	live, applyPatch := seeds[0].original, seeds[0].patch
	cases := []struct {
		name, typ string
		patch     []byte
	}{
		{"strategic-kubectl-apply", StrategicMergePatchType, applyPatch},
		{"json-3-ops", JSONPatchType, []byte(`[{"op":"test","path":"/metadata/name","value":"web"},{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels/env","value":"prod"}]`)},
		{"merge-replicas", MergePatchType, []byte(`{"spec":{"replicas":4}}`)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(live)))
			for b.Loop() {
				if _, err := Apply("Deployment", c.typ, live, c.patch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("threeway-kubectl-apply", func(b *testing.B) {
		in := threeWayOf(b, mustRead(b, filepath.Join("testdata", "threeway.txt")))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ThreeWay(in.kind, in.original, in.modified, in.live); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func mustRead(b *testing.B, name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// threeWayOf returns the first case of a threeway file.
func threeWayOf(b *testing.B, text string) threeWayInput {
	_, rest, ok := strings.Cut(text, "\nthreeway\n")
	body, _, ok2 := strings.Cut(rest, "\n----\n")
	if !ok || !ok2 {
		b.Fatal("no threeway case")
	}
	return parseThreeWay(b, body+"\n")
}
