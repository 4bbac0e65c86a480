package api

import "reflect"

// DeepCopy returns a copy of obj that shares no memory with it: maps, slices
// and pointers are copied recursively. Stores and mirrors copy on the way in
// and on the way out so that no caller can change what another sees.
func DeepCopy[T any](obj T) T {
	v := reflect.ValueOf(&obj).Elem()
	out := reflect.New(v.Type()).Elem()
	copyValue(out, v)
	return out.Interface().(T)
}

// CopyObject deep-copies an Object, keeping its dynamic type.
func CopyObject(obj Object) Object {
	if obj == nil {
		return nil
	}
	v := reflect.ValueOf(obj)
	out := reflect.New(v.Type()).Elem()
	copyValue(out, v)
	return out.Interface().(Object)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		inner := reflect.New(src.Elem().Type()).Elem()
		copyValue(inner, src.Elem())
		dst.Set(inner)
	case reflect.Struct:
		// Unexported fields (only plain values, as in Quantity) are copied
		// by the assignment; exported ones are then copied deeply.
		dst.Set(src)
		t := src.Type()
		for i := 0; i < src.NumField(); i++ {
			if t.Field(i).IsExported() {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyValue(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		iter := src.MapRange()
		for iter.Next() {
			k := reflect.New(iter.Key().Type()).Elem()
			copyValue(k, iter.Key())
			val := reflect.New(iter.Value().Type()).Elem()
			copyValue(val, iter.Value())
			m.SetMapIndex(k, val)
		}
		dst.Set(m)
	default:
		dst.Set(src)
	}
}
