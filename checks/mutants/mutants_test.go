package mutants

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The catalog stays applicable as core/ changes: every planted bug's
// snippet occurs exactly once in its file, the mutated file still parses,
// and the mutation changes something.
func TestCatalogApplies(t *testing.T) {
	root := moduleRoot(t)
	if len(Catalog) < 30 {
		t.Errorf("the catalog has %d planted bugs; the issue asks for at least 30", len(Catalog))
	}
	seen := map[string]bool{}
	for _, m := range Catalog {
		if m.ID == "" || seen[m.ID] {
			t.Errorf("mutant ID %q is empty or not unique", m.ID)
		}
		seen[m.ID] = true
		if m.Bug == "" || len(m.Checks) == 0 {
			t.Errorf("%s: needs a description and at least one check", m.ID)
		}
		if !strings.HasPrefix(m.File, "core/") {
			t.Errorf("%s: planted bugs go in core/, not %s", m.ID, m.File)
		}
		if m.Find == m.Replace {
			t.Errorf("%s: the replacement equals the snippet", m.ID)
		}
		src, err := m.Apply(root)
		if err != nil {
			t.Error(err)
			continue
		}
		if _, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, m.File), src, 0); err != nil {
			t.Errorf("%s: the mutated file does not parse: %v", m.ID, err)
		}
	}
}

// Apply refuses a snippet that is missing or ambiguous.
func TestApplyRefusesAmbiguity(t *testing.T) {
	root := moduleRoot(t)
	for _, m := range []Mutant{
		{ID: "missing", File: "core/store/memory.go", Find: "this text is nowhere in the file"},
		{ID: "ambiguous", File: "core/store/memory.go", Find: "return nil, err"},
	} {
		if _, err := m.Apply(root); err == nil {
			t.Errorf("Apply(%s) succeeded; want an error", m.ID)
		}
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
