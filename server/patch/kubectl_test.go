package patch

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

var kubectlFlag = flag.Bool("kubectl", false, "compare every case of testdata with kubectl patch --local (Kubernetes' own implementation; about a second a case)")

// TestAgainstKubectl applies each patch of testdata both with Apply and
// with `kubectl patch --local` (which runs Kubernetes' own patch code on
// the object, with no server), and compares the results once both are
// decoded into core/api's types and encoded again. Where exactly one of
// the two fails, the case is reported. Opt-in (-kubectl): kubectl takes
// about a second a call on this machine.
func TestAgainstKubectl(t *testing.T) {
	kubectl := needKubectl(t)
	dir := t.TempDir()
	for _, s := range caseSeeds(t) {
		kubeType := map[string]string{JSONPatchType: "json", MergePatchType: "merge", StrategicMergePatchType: "strategic"}[s.typ]
		if kubeType == "" || s.original == nil {
			continue
		}
		file := filepath.Join(dir, "object.json")
		if err := os.WriteFile(file, s.original, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(kubectl, "patch", "--local", "-f", file, "--type", kubeType, "-p", string(s.patch), "-o", "json")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		want, kerr := cmd.Output()
		kubeErr := firstLine(stderr.String())
		got, err := Apply(s.kind, s.typ, s.original, s.patch)
		var same bool
		var what string
		switch {
		case kerr != nil && err != nil:
			same, what = true, fmt.Sprintf("both fail: kubectl: %s; Apply: %v", kubeErr, err)
		case kerr != nil:
			what = fmt.Sprintf("kubectl fails (%s), Apply does not", kubeErr)
		case err != nil:
			what = fmt.Sprintf("Apply fails (%v), kubectl does not", err)
		default:
			g, gerr := normalise(got)
			w, werr := normalise(want)
			if gerr != nil || werr != nil {
				same, what = gerr != nil && werr != nil, fmt.Sprintf("a result does not decode (Apply: %v, kubectl: %v)", gerr, werr)
				break
			}
			same, what = bytes.Equal(g, w), fmt.Sprintf("\nApply:   %s\nkubectl: %s", g, w)
		}
		switch {
		case same && s.differs:
			t.Errorf("%s: marked differs, but Kubernetes agrees: %s", s.pos, what)
		case !same && !s.differs:
			t.Errorf("%s: %s", s.pos, what)
		default:
			t.Logf("%s: %s", s.pos, what)
		}
	}
}

// needKubectl skips the test unless -kubectl is set and kubectl is
// installed, and returns its path.
func needKubectl(t *testing.T) string {
	if !*kubectlFlag {
		t.Skipf("opt-in: go test ./server/patch -run '^%s$' -kubectl", t.Name())
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	return kubectl
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// normalise decodes an object leniently and encodes it again.
func normalise(js []byte) ([]byte, error) {
	obj, err := api.DecodeOptions{}.Decode(js)
	if err != nil {
		return nil, err
	}
	return api.Encode(obj)
}
