package main

import (
	"encoding/json"
	"testing"
)

func mustMap(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	m, err := toMap([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestThreeWayMergePatch(t *testing.T) {
	for _, tc := range []struct {
		name, original, modified, current, want string
	}{
		{"unchanged, live has defaults and status",
			`{"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}`,
			`{"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}`,
			`{"spec":{"replicas":3,"strategy":{"type":"RollingUpdate"},"template":{"spec":{"containers":[{"name":"web","image":"nginx","imagePullPolicy":"Always"}]}}},"status":{"replicas":3}}`,
			`{}`},
		{"scalar changed",
			`{"spec":{"replicas":3}}`, `{"spec":{"replicas":5}}`, `{"spec":{"replicas":3,"paused":false}}`,
			`{"spec":{"replicas":5}}`},
		{"live drifted from the configuration",
			`{"spec":{"replicas":3}}`, `{"spec":{"replicas":3}}`, `{"spec":{"replicas":7}}`,
			`{"spec":{"replicas":3}}`},
		{"field dropped from the configuration is deleted",
			`{"metadata":{"labels":{"a":"1","b":"2"}}}`, `{"metadata":{"labels":{"a":"1"}}}`, `{"metadata":{"labels":{"a":"1","b":"2","c":"3"}}}`,
			`{"metadata":{"labels":{"b":null}}}`},
		{"list changed by the user is replaced",
			`{"spec":{"containers":[{"name":"web","image":"nginx","env":[{"name":"A","value":"1"}]}]}}`,
			`{"spec":{"containers":[{"name":"web","image":"nginx"}]}}`,
			`{"spec":{"containers":[{"name":"web","image":"nginx","env":[{"name":"A","value":"1"}],"imagePullPolicy":"Always"}]}}`,
			`{"spec":{"containers":[{"image":"nginx","name":"web"}]}}`},
		{"list no longer contained in the live one is replaced",
			`{"spec":{"ports":[{"port":80}]}}`, `{"spec":{"ports":[{"port":80}]}}`, `{"spec":{"ports":[{"port":81,"protocol":"TCP"}]}}`,
			`{"spec":{"ports":[{"port":80}]}}`},
		{"no last-applied: only additions and changes",
			``, `{"data":{"a":"1"}}`, `{"data":{"a":"1","b":"2"}}`, `{}`},
		{"new map field", `{}`, `{"data":{"a":"1"}}`, `{}`, `{"data":{"a":"1"}}`},
	} {
		got := threeWayMergePatch(mustMap(t, tc.original), mustMap(t, tc.modified), mustMap(t, tc.current))
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(mustMap(t, tc.want))
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s: patch %s, want %s", tc.name, gotJSON, wantJSON)
		}
	}
}
