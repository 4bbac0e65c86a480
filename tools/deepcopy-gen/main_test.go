package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedFileIsFresh runs the generator in process over core/api and
// compares with the committed file.
func TestCommittedFileIsFresh(t *testing.T) {
	dir := filepath.Join("..", "..", "core", "api")
	got, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, outputName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("core/api/%s is out of date: run `make generate`", outputName)
	}
	again, _ := Generate(dir)
	if !bytes.Equal(got, again) {
		t.Error("two runs gave different output")
	}
	if !bytes.HasPrefix(got, []byte(header)) {
		t.Errorf("output does not start with %q", header)
	}
}

// pkgPrelude is the scaffolding of a test package: the metadata types, the
// Object interface and one registered kind whose Spec is the type under
// test.
const pkgPrelude = `package p

type TypeMeta struct{ Kind string }

type ObjectMeta struct {
	Name   string
	Labels map[string]string
}

type Object interface{ GetName() string }

func (t *Thing) GetName() string { return t.Name }

func register(kind string, f func() Object) {}

func init() { register("Thing", func() Object { return &Thing{} }) }

type Thing struct {
	TypeMeta
	ObjectMeta
	Spec Spec
}
`

// writePkg writes a test package made of the prelude and src.
func writePkg(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module p\n\ngo 1.26\n",
		"p.go":   pkgPrelude + "\n" + src,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRejectsWhatItCannotCopy: a field the generator cannot copy is an
// error naming the field, never a shallow copy.
func TestRejectsWhatItCannotCopy(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"func", "type Spec struct{ F func() }", "Spec.F: cannot deep-copy func(): a func"},
		{"any", "type Spec struct{ F any }", "Spec.F: cannot deep-copy any: an interface"},
		{"error", "type Spec struct{ F []error }", "Spec.F: cannot deep-copy []error: an interface"},
		{"interface", "type Spec struct{ F map[string]interface{ M() } }", "Spec.F: cannot deep-copy"},
		{"chan", "type Spec struct{ F *chan int }", "Spec.F: cannot deep-copy *chan int: a channel"},
		{"other package", "type Spec struct{ F time.Duration }", "another package (time.Duration)"},
		{"pointer key", "type Spec struct{ F map[*int]string }", "map key *int holds references"},
		{"unexported", "type Spec struct{ F inner }\ntype inner struct{ S []string }", "inner holds references and gets no DeepCopyInto"},
		{"skipped", "type Spec struct{ F Skipped }\ntype Skipped struct{ S []string }", "Skipped is in skip (a reason)"},
		{"anonymous", "type Spec struct{ F struct{ S []string } }", "an unnamed struct holding references"},
		{"generic", "type Spec struct{ F G[int] }\ntype G[T any] struct{ X T }", "instantiated generic type"},
		{"unknown", "type Spec struct{ F Nowhere }", "an unknown type Nowhere"},
		{"embedded func", "type Spec struct{ Fn }\ntype Fn func()", "field Spec.Fn: cannot deep-copy Fn: Fn: a func"},
		{"second name", "type Spec struct{ A, B func() }", "Spec.B: cannot deep-copy func()"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := generate(writePkg(t, c.src), map[string]string{"Skipped": "a reason"})
			if err == nil {
				t.Fatalf("generated without complaint:\n%s", out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error does not say %q:\n%v", c.want, err)
			}
		})
	}
}

func TestRejectsStaleSkipAndBadKinds(t *testing.T) {
	dir := writePkg(t, "type Spec struct{}")
	if _, err := generate(dir, map[string]string{"Gone": "was here"}); err == nil || !strings.Contains(err.Error(), "skip names Gone") {
		t.Errorf("a skip entry naming no type: %v", err)
	}
	dir = writePkg(t, "type Spec struct{}\nfunc init() { register(\"Bare\", func() Object { return &Bare{} }) }\ntype Bare struct{ Name string }")
	if _, err := generate(dir, nil); err == nil || !strings.Contains(err.Error(), "kind Bare is not a struct embedding TypeMeta and ObjectMeta") {
		t.Errorf("a kind without metadata: %v", err)
	}
}

// allForms exercises every way of copying, including those core/api does
// not use today.
const allForms = `
type Named []Item
type Table map[string]*Item
type Alias = Item

type Plain struct {
	A [3]int
	B string
	q quiet
}

type quiet struct{ n uint64 }

type Item struct {
	Name string
	Tags []string
}

type Spec struct {
	Ptr       *int
	PtrPtr    **string
	PtrSlice  *[]string
	PtrItem   *Item
	PtrPlain  *Plain
	Bytes     []byte
	Nested    [][]string
	Items     []Item
	ItemPtrs  []*Item
	Named     Named
	Table     Table
	Maps      map[string]map[string]int
	SliceMaps []map[string]int
	PtrMap    *map[string]string
	MapBytes  map[string][]byte
	MapItems  map[string]Item
	Array     [2]Item
	ArrayPtr  [2]*int
	Plain     Plain
	Alias     Alias
	hidden    []int
	Recursive *Spec
	Item
}
`

// TestGeneratedCodeBuilds generates for allForms and vets the result with
// the go command, and checks the shape of a few copies.
func TestGeneratedCodeBuilds(t *testing.T) {
	dir := writePkg(t, allForms)
	out, err := generate(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"func (in *Thing) DeepCopyObject() Object {",
		"func (in Named) DeepCopy() Named {",
		"func (in *Plain) DeepCopyInto(out *Plain) {\n\t*out = *in\n}",
		"*out = make(Table, len(*in))",
		"in.Item.DeepCopyInto(&out.Item)",
		"in.hidden != nil",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, unwanted := range []string{"func (in *Alias)", "func (in *quiet)", "func (in *Spec) DeepCopyObject"} {
		if bytes.Contains(out, []byte(unwanted)) {
			t.Errorf("output has %q", unwanted)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, outputName), out, 0o644); err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goTool, "vet", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated code: %v\n%s\n%s", err, b, out)
	}
	// Running it again over the package with its generated file gives the
	// same output: the generator ignores its own file.
	again, err := generate(dir, nil)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("regenerating differs: %v", err)
	}
}
