// Command deepcopy-gen writes core/api/zz_generated_deepcopy.go: deep-copy
// methods for the types of package api, so that stores, the registry and the
// simulator copy objects with straight-line code instead of reflection.
//
//	go run ./tools/deepcopy-gen          rewrite the file (make generate)
//	go run ./tools/deepcopy-gen -check   exit 1 if the file is out of date
//
// It reads the package's source with go/parser alone: every field type of
// core/api is a builtin, a type of the package, or a pointer, slice, array
// or map of those, so resolving names within the package is enough, and the
// generator needs nothing outside the standard library. For every exported
// type whose underlying type is a struct, a slice or a map it emits
//
//	func (in *T) DeepCopyInto(out *T)   // *out becomes a copy sharing no memory with *in
//	func (in *T) DeepCopy() *T          // nil stays nil
//
// (value receivers, and DeepCopy returning T, for slice and map types), and
// for every kind registered with register() in the package also
//
//	func (in *T) DeepCopyObject() Object   // a nil *T stays a nil *T, as CopyObject always did
//
// How each field is copied:
//   - plain values, those holding no pointer, slice, map, interface, func or
//     channel (numbers, strings, Time, Quantity with its unexported numbers,
//     IntOrString), by assignment;
//   - pointers, slices and maps element by element (maps of plain values
//     with maps.Clone); nil stays nil and an empty slice or map stays empty
//     but non-nil;
//   - structs that are not plain through their own DeepCopyInto.
//
// A field of a type it cannot copy (an interface, func or channel, a type of
// another package, a map with non-plain keys) is an error naming the field:
// the generator never falls back to a shallow copy. Types that cannot be
// copied on purpose are listed in skip, each with its reason.
//
// Output is gofmt'ed and deterministic: types in name order, fields in
// declaration order.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// outputName is the generated file, inside the package directory. The
// generator ignores it when reading the package, so that it always starts
// from the hand-written types.
const outputName = "zz_generated_deepcopy.go"

func main() {
	dir := flag.String("dir", "core/api", "directory of the package to generate for")
	check := flag.Bool("check", false, "do not write; exit 1 if the committed file is out of date")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "deepcopy-gen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	src, err := Generate(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, outputName)
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if bytes.Equal(old, src) {
		return nil
	}
	if check {
		return fmt.Errorf("%s is out of date with the types of its package: run `make generate` (go run ./tools/deepcopy-gen)", path)
	}
	return os.WriteFile(path, src, 0o644)
}
