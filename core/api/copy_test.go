package api

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
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

func TestCopyObjectSharesNothing(t *testing.T) {
	files, _ := filepath.Glob("testdata/kinds/*.yaml")
	if len(files) < 10 {
		t.Fatalf("expected a fixture per kind in testdata, found %d files", len(files))
	}
	n := 0
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
			before, _ := Encode(o)
			c := CopyObject(o)
			if !reflect.DeepEqual(c, o) {
				t.Fatalf("%s: copy differs from the original", f)
			}
			scribble(reflect.ValueOf(c))
			after, _ := Encode(o)
			if !bytes.Equal(before, after) {
				t.Errorf("%s: changing the copy changed the original:\n%s\n%s", f, before, after)
			}
			if scribbled, _ := Encode(c); bytes.Equal(scribbled, before) {
				t.Errorf("%s: scribble changed nothing: the test is blind", f)
			}
			n++
		}
	}
	if n < 14 {
		t.Errorf("copied only %d objects", n)
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
	b.ReportAllocs()
	for b.Loop() {
		_ = CopyObject(objs[0])
	}
}
