package checks

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"pgregory.net/rapid"
)

// checkN runs the property at least n times: rapid.Check repeatedly, each
// run doing -rapid.checks cases (100 by default; a fifth with -short),
// until n cases have run. A larger -rapid.checks runs more. With
// -rapid.failfile or -rapid.seed set, it runs once: replaying a failure
// must not be followed by random cases with the same seed.
//
// rapid saves a failing case under testdata/rapid/<TestName>/ and replays
// every file there on each run before generating new cases, so a saved
// failure is a regression test until the file is deleted; to replay one
// alone: go test ./checks/ -run '^TestName$' -rapid.failfile=testdata/rapid/...
func checkN(t *testing.T, n int, prop func(*rapid.T)) {
	t.Helper()
	per := flagInt("rapid.checks", 100)
	if testing.Short() {
		per = max(per/5, 1)
		n = max(n/5, 1)
	}
	runs := max((n+per-1)/per, 1)
	if flagString("rapid.failfile") != "" || flagString("rapid.seed") != "0" {
		runs = 1
	}
	for range runs {
		rapid.Check(t, prop)
		if t.Failed() {
			return
		}
	}
}

func flagString(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func flagInt(name string, def int) int {
	if v, err := strconv.Atoi(flagString(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// artifactDir returns where a test writes files for people to look at:
// $CAPSTAN_ARTIFACTS/<test name> when that is set (CI keeps it), else the
// test's temporary directory.
func artifactDir(t testing.TB) string {
	if root := os.Getenv("CAPSTAN_ARTIFACTS"); root != "" {
		dir := filepath.Join(root, filepath.FromSlash(safeName(t.Name())))
		if err := os.MkdirAll(dir, 0o755); err == nil {
			return dir
		}
	}
	return t.TempDir()
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// jsonOf renders v as compact JSON for failure messages.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
