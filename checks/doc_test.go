package checks

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEveryPackageHasDoc fails when a package of the module has no package
// doc comment in any of its non-test files: every package says what it is
// for.
func TestEveryPackageHasDoc(t *testing.T) {
	files := goFiles(t, "..")
	byDir := map[string][]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		byDir[filepath.Dir(f)] = append(byDir[filepath.Dir(f)], f)
	}
	if len(byDir) < 5 {
		t.Fatalf("found only %d packages under ..: is the test running from checks/?", len(byDir))
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	fset := token.NewFileSet()
	for _, dir := range dirs {
		if missingDoc(t, fset, byDir[dir]) {
			t.Errorf("package in %s has no doc comment (add a doc.go: // Package x ...)", dir)
		}
	}
}

// missingDoc reports whether none of files carries a package doc comment
// that starts, as Go convention asks, with "Package <name>" (or "Command"
// for a main package).
func missingDoc(t *testing.T, fset *token.FileSet, files []string) bool {
	t.Helper()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Errorf("parse %s: %v", f, err)
			continue
		}
		if af.Doc == nil {
			continue
		}
		text := af.Doc.Text()
		if strings.HasPrefix(text, "Package "+af.Name.Name) || (af.Name.Name == "main" && strings.HasPrefix(text, "Command ")) {
			return false
		}
	}
	return true
}

// TestDocCheckCatches proves the doc check can fail.
func TestDocCheckCatches(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bare := write("bare.go", "package p\n\nfunc F() {}\n")
	wrong := write("wrong.go", "// This is not a package comment.\npackage p\n")
	good := write("doc.go", "// Package p does things.\npackage p\n")
	fset := token.NewFileSet()
	if !missingDoc(t, fset, []string{bare, wrong}) {
		t.Error("a package without a doc comment passed")
	}
	if missingDoc(t, fset, []string{bare, good}) {
		t.Error("a package with a doc comment failed")
	}
}
