package etcdstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// encode returns the value stored for obj: its JSON without
// resourceVersion. obj is not changed.
func encode(key string, obj api.Object) ([]byte, error) {
	if obj.GetObjectMeta().ResourceVersion != "" {
		obj = shallowCopy(obj)
		obj.GetObjectMeta().ResourceVersion = ""
	}
	b, err := api.Encode(obj)
	if err != nil {
		return nil, storeError(store.BadRequest, key, "cannot encode: %v", err)
	}
	return b, nil
}

// shallowCopy returns a new object whose top-level struct is a copy of
// obj's (ObjectMeta included, as it is embedded by value).
func shallowCopy(obj api.Object) api.Object {
	v := reflect.ValueOf(obj).Elem()
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return c.Interface().(api.Object)
}

// resources maps a resource name ("pods") to its kind.
var resources = sync.OnceValue(func() map[string]*api.KindInfo {
	m := map[string]*api.KindInfo{}
	for _, k := range api.Kinds() {
		m[k.Resource] = k
	}
	return m
})

// decode returns the object stored at key in value, with resourceVersion
// rev. A value that is not an object of the key's kind is an error that
// names the key.
func decode(key string, value []byte, rev int64) (api.Object, error) {
	rest, ok := strings.CutPrefix(key, api.KeyPrefix)
	resource, _, ok2 := strings.Cut(rest, "/")
	info := resources()[resource]
	if !ok || !ok2 || info == nil {
		return nil, fmt.Errorf("etcdstore: key %s at revision %d: not the key of a known resource", key, rev)
	}
	obj := info.New()
	if err := json.Unmarshal(value, obj); err != nil {
		return nil, fmt.Errorf("etcdstore: decoding %s at revision %d: %w", key, rev, err)
	}
	if tm := obj.GetTypeMeta(); tm.Kind != info.Kind || tm.APIVersion != info.APIVersion() {
		return nil, fmt.Errorf("etcdstore: decoding %s at revision %d: holds %s %s, want %s %s", key, rev, tm.APIVersion, tm.Kind, info.APIVersion(), info.Kind)
	}
	obj.GetObjectMeta().ResourceVersion = store.FormatRevision(rev)
	return obj, nil
}

// decodeKV decodes a key-value pair read from etcd at its modRevision.
func (s *Store) decodeKV(kv *mvccpb.KeyValue) (api.Object, error) {
	return decode(s.storeKey(kv.Key), kv.Value, kv.ModRevision)
}
