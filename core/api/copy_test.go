package api

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// scribble changes every settable scalar reachable from v, through
// pointers, slices and maps, so that any memory shared with another value
// shows up as a change there.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			scribble(v.Index(i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			e := reflect.New(iter.Value().Type()).Elem()
			e.Set(iter.Value())
			scribble(e)
			v.SetMapIndex(iter.Key(), e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + "!")
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	case reflect.Uint8:
		if v.CanSet() {
			v.SetUint(v.Uint() + 1)
		}
	}
}

// fixture is one object decoded from testdata/kinds.
type fixture struct {
	file string
	obj  Object
}

// copyFixtures decodes every object of testdata/kinds/*.yaml, skipping the
// files that are fixtures of decode errors.
func copyFixtures(t testing.TB) []fixture {
	t.Helper()
	files, _ := filepath.Glob("testdata/kinds/*.yaml")
	if len(files) < 10 {
		t.Fatalf("expected a fixture per kind in testdata, found %d files", len(files))
	}
	var out []fixture
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := DecodeManifests(data)
		if err != nil {
			continue // fixtures of decode errors
		}
		for _, o := range objs {
			out = append(out, fixture{f, o})
		}
	}
	if len(out) < 14 {
		t.Fatalf("decoded only %d objects", len(out))
	}
	return out
}

// copiers are the two ways of copying an object: the generated methods and
// the reflection-based fallback. Each must share no memory with the
// original, and they must agree.
var copiers = []struct {
	name string
	copy func(Object) Object
}{
	{"generated", func(o Object) Object { return o.(objectCopier).DeepCopyObject() }},
	{"reflection", copyObjectReflect},
}

func TestCopyObjectSharesNothing(t *testing.T) {
	for _, c := range copiers {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range copyFixtures(t) {
				o := f.obj
				if _, ok := o.(objectCopier); !ok {
					t.Fatalf("%s: %T has no generated DeepCopyObject: run `make generate`", f.file, o)
				}
				before, _ := Encode(o)
				cp := c.copy(o)
				if !reflect.DeepEqual(cp, o) {
					t.Fatalf("%s: copy differs from the original", f.file)
				}
				scribble(reflect.ValueOf(cp))
				after, _ := Encode(o)
				if !bytes.Equal(before, after) {
					t.Errorf("%s: changing the copy changed the original:\n%s\n%s", f.file, before, after)
				}
				if scribbled, _ := Encode(cp); bytes.Equal(scribbled, before) {
					t.Errorf("%s: scribble changed nothing: the test is blind", f.file)
				}
			}
		})
	}
}

// TestCopyDispatch checks that CopyObject and DeepCopy take the generated
// path for every kind, and keep nil as it was.
func TestCopyDispatch(t *testing.T) {
	for _, k := range Kinds() {
		if _, ok := k.New().(objectCopier); !ok {
			t.Errorf("kind %s has no generated DeepCopyObject: run `make generate`", k.Kind)
		}
	}
	if _, ok := any((*PodSpec)(nil)).(interface{ DeepCopyInto(*PodSpec) }); !ok {
		t.Error("PodSpec has no generated DeepCopyInto")
	}
	if CopyObject(nil) != nil {
		t.Error("CopyObject(nil) is not nil")
	}
	// A nil *Pod stays a nil *Pod, on both paths.
	var nilPod Object = (*Pod)(nil)
	for name, got := range map[string]Object{
		"DeepCopyObject":    nilPod.(objectCopier).DeepCopyObject(),
		"copyObjectReflect": copyObjectReflect(nilPod),
		"CopyObject":        CopyObject(nilPod),
	} {
		if p, ok := got.(*Pod); !ok || p != nil {
			t.Errorf("%s of a nil *Pod = %#v, want a nil *Pod", name, got)
		}
	}
	if DeepCopy[*Pod](nil) != nil || DeepCopy(ResourceList(nil)) != nil {
		t.Error("DeepCopy of nil is not nil")
	}
	if r := DeepCopy(ResourceList{}); r == nil {
		t.Error("DeepCopy of an empty ResourceList is nil")
	}
	p := &Pod{ObjectMeta: ObjectMeta{Labels: map[string]string{"a": "b"}}}
	for _, cp := range []any{DeepCopy(p), DeepCopy[Object](p), DeepCopy[any](p)} {
		c, ok := cp.(*Pod)
		if !ok || c == p || !reflect.DeepEqual(c, p) {
			t.Errorf("DeepCopy gave %#v", cp)
			continue
		}
		c.Labels["a"] = "changed"
		if p.Labels["a"] != "b" {
			t.Fatal("the copy shares its labels with the original")
		}
	}
}

// filler fills values with random data through reflection: random strings
// and numbers, and pointers, slices and maps that are nil, empty but not
// nil, or filled, in equal measure. The seed is fixed, so a failure
// reproduces.
type filler struct{ rng *rand.Rand }

// maxFillDepth bounds the nesting of pointers, slices and maps, for
// recursive types.
const maxFillDepth = 8

var quantityType = reflect.TypeFor[Quantity]()

func (f *filler) fill(v reflect.Value, depth int) {
	if v.Type() == quantityType { // unexported fields: build it instead
		formats := []QuantityFormat{DecimalSI, BinarySI, DecimalExponent}
		q := NewMilliQuantity(f.rng.Int64N(1<<40)-1<<39, formats[f.rng.IntN(len(formats))])
		v.Set(reflect.ValueOf(q))
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(f.rng.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(f.rng.Int64N(2000) - 1000)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(f.rng.Uint64N(256))
	case reflect.String:
		v.SetString(f.string())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth)
			}
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			f.fill(v.Index(i), depth)
		}
	case reflect.Pointer:
		if depth < maxFillDepth && f.rng.IntN(2) == 0 {
			p := reflect.New(v.Type().Elem())
			f.fill(p.Elem(), depth+1)
			v.Set(p)
		}
	case reflect.Slice:
		switch n := f.size(depth); n {
		case -1: // nil
		default:
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				f.fill(s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		switch n := f.size(depth); n {
		case -1: // nil
		default:
			m := reflect.MakeMap(v.Type())
			for range n {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				f.fill(k, depth+1)
				f.fill(e, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	}
}

// size picks nil (-1), empty (0) or a length from 1 to 3, equally often.
func (f *filler) size(depth int) int {
	if depth >= maxFillDepth {
		return -1
	}
	switch f.rng.IntN(3) {
	case 0:
		return -1
	case 1:
		return 0
	}
	return 1 + f.rng.IntN(3)
}

func (f *filler) string() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789-./"
	b := make([]byte, f.rng.IntN(12))
	for i := range b {
		b[i] = letters[f.rng.IntN(len(letters))]
	}
	return string(b)
}

// TestGeneratedCopyMatchesReflection holds the generated copies to the
// reflection-based one, which is simple enough to trust: for every fixture
// and for random objects of every kind, both copies equal the original
// (nil and empty-but-not-nil slices and maps are told apart by DeepEqual),
// and changing the generated copy leaves the original alone.
func TestGeneratedCopyMatchesReflection(t *testing.T) {
	check := func(what string, o Object) {
		t.Helper()
		gen := o.(objectCopier).DeepCopyObject()
		ref := copyObjectReflect(o)
		if !reflect.DeepEqual(gen, ref) {
			t.Fatalf("%s: the generated copy differs from the reflection copy at %s", what, diffPath(reflect.ValueOf(gen), reflect.ValueOf(ref), "obj"))
		}
		if !reflect.DeepEqual(gen, o) {
			t.Fatalf("%s: the generated copy differs from the original", what)
		}
		scribble(reflect.ValueOf(gen))
		if !reflect.DeepEqual(o, ref) {
			t.Fatalf("%s: changing the generated copy changed the original", what)
		}
	}
	for _, f := range copyFixtures(t) {
		check(f.file, f.obj)
	}
	const perKind = 300
	fl := &filler{rand.New(rand.NewPCG(1, 2))}
	for _, k := range Kinds() {
		for i := range perKind {
			o := k.New()
			fl.fill(reflect.ValueOf(o).Elem(), 0)
			check(fmt.Sprintf("random %s #%d", k.Kind, i), o)
		}
	}
	// Types that are not kinds, through DeepCopy.
	checkDeepCopy[Status](t, fl, perKind)
	checkDeepCopy[StatusError](t, fl, perKind)
	checkDeepCopy[PodTemplateSpec](t, fl, perKind)
	checkDeepCopy[LabelSelector](t, fl, perKind)
	checkDeepCopy[ResourceList](t, fl, perKind)
}

// checkDeepCopy compares DeepCopy of T and of *T, which must take the
// generated path, with the reflection copy, on n random values.
func checkDeepCopy[T any](t *testing.T, fl *filler, n int) {
	t.Helper()
	typ := reflect.TypeFor[T]()
	if _, ok := any((*T)(nil)).(interface{ DeepCopyInto(*T) }); !ok {
		t.Fatalf("%v has no generated DeepCopyInto: run `make generate`", typ)
	}
	for i := range n {
		var v T
		fl.fill(reflect.ValueOf(&v).Elem(), 0)
		ref := deepCopyReflect(v)
		for _, gen := range []T{DeepCopy(v), *DeepCopy(&v)} {
			if !reflect.DeepEqual(gen, ref) {
				t.Fatalf("%v #%d: the generated copy differs from the reflection copy at %s", typ, i, diffPath(reflect.ValueOf(gen), reflect.ValueOf(ref), "v"))
			}
			if !reflect.DeepEqual(gen, v) {
				t.Fatalf("%v #%d: the generated copy differs from the original", typ, i)
			}
			scribble(reflect.ValueOf(&gen))
			if !reflect.DeepEqual(v, ref) {
				t.Fatalf("%v #%d: changing the generated copy changed the original", typ, i)
			}
		}
	}
}

// diffPath returns the path to the first place where a and b differ, with
// both values there, for DeepEqual failures: nil and empty slices and maps
// count as different, as for DeepEqual.
func diffPath(a, b reflect.Value, path string) string {
	here := fmt.Sprintf("%s: %#v vs %#v", path, a, b)
	if a.Kind() != b.Kind() {
		return here
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return here
			}
			return ""
		}
		return diffPath(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := diffPath(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		// Unexported fields (Quantity's) are compared as a whole.
		if a.CanInterface() && b.CanInterface() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return here
		}
		return ""
	case reflect.Slice, reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return fmt.Sprintf("%s: nil=%t len=%d vs nil=%t len=%d", path, a.IsNil(), a.Len(), b.IsNil(), b.Len())
		}
		if a.Kind() == reflect.Map {
			iter := a.MapRange()
			for iter.Next() {
				bv := b.MapIndex(iter.Key())
				if !bv.IsValid() {
					return fmt.Sprintf("%s[%#v]: missing", path, iter.Key())
				}
				if d := diffPath(iter.Value(), bv, fmt.Sprintf("%s[%#v]", path, iter.Key())); d != "" {
					return d
				}
			}
			return ""
		}
		fallthrough
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if d := diffPath(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if a.CanInterface() && b.CanInterface() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return here
	}
	return ""
}

// TestGeneratedDeepCopyIsFresh fails when zz_generated_deepcopy.go no
// longer matches the types of the package: someone changed a type without
// running `make generate`.
func TestGeneratedDeepCopyIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with go run")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goTool, "run", "./tools/deepcopy-gen", "-check", "-dir", "core/api")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zz_generated_deepcopy.go is stale or cannot be generated: run `make generate` at the root of the module.\n%s: %v\n%s",
			strings.Join(cmd.Args, " "), err, out)
	}
}

func BenchmarkCopyPod(b *testing.B) {
	data, err := os.ReadFile("testdata/kinds/pod.yaml")
	if err != nil {
		b.Skip("no testdata/kinds/pod.yaml")
	}
	objs, err := DecodeManifests(data)
	if err != nil || len(objs) == 0 {
		b.Fatal(err)
	}
	pod := objs[0]
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = CopyObject(pod)
		}
	})
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = copyObjectReflect(pod)
		}
	})
}

// TestReflectionCopyAssumption guards the reflection path, which copies
// unexported fields by assignment: every unexported field reachable from a
// kind must hold no references (Quantity's numbers).
func TestReflectionCopyAssumption(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(typ.Elem())
		case reflect.Map:
			walk(typ.Key())
			walk(typ.Elem())
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				if !f.IsExported() && !isPlain(f.Type) {
					t.Errorf("%v.%s is unexported and holds references: the reflection copy would share it", typ, f.Name)
				}
				walk(f.Type)
			}
		}
	}
	for _, k := range Kinds() {
		walk(reflect.TypeOf(k.New()))
	}
	if !seen[quantityType] {
		t.Error("the walk never met Quantity")
	}
}
