package apiserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

// step is one request of a table test and what must come back.
type step struct {
	name    string
	method  string
	path    string
	body    string
	headers []string
	code    int
	// reason, if set, is the Status reason the answer must carry.
	reason api.StatusReason
	// contains, if set, must be in the body.
	contains string
	check    func(t *testing.T, r response)
}

func runSteps(t *testing.T, ts *testServer, steps []step) {
	t.Helper()
	for _, s := range steps {
		r := ts.do(s.method, s.path, s.body, s.headers...)
		if r.code != s.code {
			t.Errorf("%s: %s %s: code %d, want %d: %s", s.name, s.method, s.path, r.code, s.code, strings.TrimSpace(string(r.body)))
			continue
		}
		if s.reason != "" {
			st := r.status()
			if st.Kind != "Status" || st.Reason != s.reason || int(st.Code) != s.code {
				t.Errorf("%s: Status %+v, want reason %s code %d", s.name, st, s.reason, s.code)
			}
		}
		if s.contains != "" && !strings.Contains(string(r.body), s.contains) {
			t.Errorf("%s: body lacks %q: %s", s.name, s.contains, r.body)
		}
		if s.check != nil {
			s.check(t, r)
		}
	}
}

func hasField(path []string, want any) func(*testing.T, response) {
	return func(t *testing.T, r response) {
		t.Helper()
		if got := get(r.object(), path...); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", strings.Join(path, "."), got, want)
		}
	}
}

func itemNames(t *testing.T, r response) []string {
	t.Helper()
	items, _ := r.object()["items"].([]any)
	var names []string
	for _, it := range items {
		names = append(names, fmt.Sprint(get(it.(map[string]any), "metadata", "name")))
	}
	return names
}

func hasItems(want ...string) func(*testing.T, response) {
	return func(t *testing.T, r response) {
		t.Helper()
		if got := itemNames(t, r); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("items %v, want %v", got, want)
		}
	}
}

func TestCRUD(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	runSteps(t, ts, []step{
		{name: "create", method: "POST", path: ns + "/pods", body: fmt.Sprintf(podJSON, "a"), code: 201,
			check: hasField([]string{"status", "phase"}, "Pending")},
		{name: "create again", method: "POST", path: ns + "/pods", body: fmt.Sprintf(podJSON, "a"), code: 409, reason: api.StatusReasonAlreadyExists,
			contains: `pods \"a\" already exists`},
		{name: "create without kind takes the path's", method: "POST", path: ns + "/configmaps",
			body: `{"metadata":{"name":"cm"},"data":{"k":"v"}}`, code: 201, check: hasField([]string{"kind"}, "ConfigMap")},
		{name: "create yaml", method: "POST", path: ns + "/configmaps", body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm2\n",
			headers: []string{"Content-Type", "application/yaml"}, code: 201},
		{name: "generateName", method: "POST", path: ns + "/pods",
			body: `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"gen-"},"spec":{"containers":[{"name":"c","image":"x"}]}}`, code: 201,
			check: func(t *testing.T, r response) {
				if n := fmt.Sprint(get(r.object(), "metadata", "name")); !strings.HasPrefix(n, "gen-") || len(n) != 9 {
					t.Errorf("generated name %q", n)
				}
			}},
		{name: "dry run", method: "POST", path: ns + "/pods?dryRun=All", body: fmt.Sprintf(podJSON, "dry"), code: 201,
			check: hasField([]string{"metadata", "name"}, "dry")},
		{name: "dry run wrote nothing", method: "GET", path: ns + "/pods/dry", code: 404, reason: api.StatusReasonNotFound},
		{name: "bad dryRun", method: "POST", path: ns + "/pods?dryRun=Some", body: fmt.Sprintf(podJSON, "x"), code: 400, reason: api.StatusReasonBadRequest},
		{name: "namespace mismatch", method: "POST", path: ns + "/pods",
			body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"other"},"spec":{"containers":[{"name":"c","image":"x"}]}}`,
			code: 400, reason: api.StatusReasonBadRequest, contains: "does not match the namespace"},
		{name: "namespace missing", method: "POST", path: "/api/v1/namespaces/nope/pods", body: fmt.Sprintf(podJSON, "x"),
			code: 404, reason: api.StatusReasonNotFound, contains: `namespaces \"nope\" not found`},
		{name: "wrong kind for path", method: "POST", path: ns + "/pods", body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`,
			code: 400, reason: api.StatusReasonBadRequest, contains: "takes a Pod"},
		{name: "wrong apiVersion", method: "POST", path: ns + "/pods", body: `{"apiVersion":"apps/v1","kind":"Pod","metadata":{"name":"x"}}`,
			code: 400, reason: api.StatusReasonBadRequest, contains: "does not match the expected API version"},
		{name: "malformed json", method: "POST", path: ns + "/pods", body: `{"apiVersion":"v1",`, code: 400, reason: api.StatusReasonBadRequest},
		{name: "malformed yaml", method: "POST", path: ns + "/pods", body: "a: [b\n", headers: []string{"Content-Type", "application/yaml"},
			code: 400, reason: api.StatusReasonBadRequest},
		{name: "not an object", method: "POST", path: ns + "/pods", body: `[1,2]`, code: 400, reason: api.StatusReasonBadRequest},
		{name: "unknown field strict", method: "POST", path: ns + "/pods?fieldValidation=Strict",
			body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containerz":[]}}`,
			code: 400, reason: api.StatusReasonBadRequest, contains: `unknown field \"spec.containerz\"`},
		{name: "unknown field warn", method: "POST", path: ns + "/configmaps",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"bogus":1}`, code: 201,
			check: func(t *testing.T, r response) {
				if w := r.header.Get("Warning"); !strings.Contains(w, "bogus") {
					t.Errorf("Warning header %q", w)
				}
			}},
		{name: "invalid", method: "POST", path: ns + "/pods", body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"},"spec":{"containers":[]}}`,
			code: 422, reason: api.StatusReasonInvalid,
			check: func(t *testing.T, r response) {
				st := r.status()
				if st.Details == nil || len(st.Details.Causes) < 2 || st.Details.Causes[0].Field == "" {
					t.Errorf("causes: %+v", st.Details)
				}
			}},
		{name: "no name", method: "POST", path: ns + "/configmaps", body: `{"apiVersion":"v1","kind":"ConfigMap"}`, code: 422, reason: api.StatusReasonInvalid},
		{name: "unsupported media type", method: "POST", path: ns + "/pods", body: fmt.Sprintf(podJSON, "x"),
			headers: []string{"Content-Type", "text/plain"}, code: 415, reason: "UnsupportedMediaType"},
		{name: "protobuf body without its magic", method: "POST", path: ns + "/pods", body: "{}",
			headers: []string{"Content-Type", "application/vnd.kubernetes.protobuf"}, code: 400, reason: api.StatusReasonBadRequest},
		{name: "protobuf body truncated", method: "POST", path: ns + "/pods", body: "k8s\x00\x0a\x7f",
			headers: []string{"Content-Type", "application/vnd.kubernetes.protobuf"}, code: 400, reason: api.StatusReasonBadRequest},
		{name: "not acceptable", method: "GET", path: ns + "/pods", headers: []string{"Accept", "application/vnd.kubernetes.protobuf"},
			code: 406, reason: "NotAcceptable"},
		{name: "yaml out", method: "GET", path: ns + "/pods/a", headers: []string{"Accept", "application/yaml"}, code: 200,
			contains: "kind: Pod\n"},
		{name: "get", method: "GET", path: ns + "/pods/a", code: 200, check: hasField([]string{"metadata", "name"}, "a")},
		{name: "get missing", method: "GET", path: ns + "/pods/zz", code: 404, reason: api.StatusReasonNotFound},
		{name: "get future rv", method: "GET", path: ns + "/pods/a?resourceVersion=99999", code: 504, reason: "Timeout",
			contains: "Too large resource version"},
		{name: "unknown resource", method: "GET", path: ns + "/widgets", code: 404, reason: api.StatusReasonNotFound},
		{name: "wrong group", method: "GET", path: "/api/v1/namespaces/default/deployments", code: 404},
		{name: "namespaced object without namespace", method: "GET", path: "/api/v1/pods/a", code: 404},
		{name: "post to all namespaces", method: "POST", path: "/api/v1/pods", body: fmt.Sprintf(podJSON, "x"), code: 405,
			reason: api.StatusReasonMethodNotAllowed},
		{name: "put a collection", method: "PUT", path: ns + "/pods", body: "{}", code: 405, reason: api.StatusReasonMethodNotAllowed},
		{name: "cluster-scoped", method: "POST", path: "/api/v1/nodes", body: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}`, code: 201},
		{name: "cluster-scoped get", method: "GET", path: "/api/v1/nodes/n1", code: 200, check: hasField([]string{"metadata", "namespace"}, nil)},
		{name: "cluster-scoped with a namespace", method: "POST", path: "/api/v1/persistentvolumes",
			body: `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv1","namespace":"default"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp"}}}`,
			code: 201, check: hasField([]string{"metadata", "namespace"}, nil)},
		{name: "cluster-scoped under a namespace", method: "GET", path: ns + "/nodes/n1", code: 404},
		{name: "all namespaces", method: "GET", path: "/api/v1/pods", code: 200, check: func(t *testing.T, r response) {
			if n := len(itemNames(t, r)); n != 2 {
				t.Errorf("%d pods", n)
			}
			if get(r.object(), "kind") != "PodList" || get(r.object(), "metadata", "resourceVersion") == nil {
				t.Errorf("list: %s", r.body)
			}
		}},
	})
}

func TestUpdateDelete(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	created := ts.mustDo("POST", ns+"/configmaps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}`, 201)
	rv := fmt.Sprint(get(created.object(), "metadata", "resourceVersion"))
	uid := fmt.Sprint(get(created.object(), "metadata", "uid"))
	cm := func(rv, data string) string {
		return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":%q},"data":{"a":%q}}`, rv, data)
	}
	runSteps(t, ts, []step{
		{name: "put", method: "PUT", path: ns + "/configmaps/c", body: cm(rv, "2"), code: 200, check: hasField([]string{"data", "a"}, "2")},
		{name: "put stale", method: "PUT", path: ns + "/configmaps/c", body: cm(rv, "3"), code: 409, reason: api.StatusReasonConflict,
			contains: "the object has been modified"},
		{name: "put unconditional", method: "PUT", path: ns + "/configmaps/c", body: cm("", "4"), code: 200,
			check: hasField([]string{"metadata", "uid"}, uid)},
		{name: "put name mismatch", method: "PUT", path: ns + "/configmaps/other", body: cm("", "4"), code: 400, reason: api.StatusReasonBadRequest},
		{name: "put missing", method: "PUT", path: ns + "/configmaps/zz",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"zz"}}`, code: 404, reason: api.StatusReasonNotFound},
		{name: "put creates a lease", method: "PUT", path: "/apis/coordination.k8s.io/v1/namespaces/default/leases/l",
			body: `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},"spec":{"holderIdentity":"me"}}`, code: 201},
		{name: "merge patch", method: "PATCH", path: ns + "/configmaps/c", body: `{"data":{"b":"x","a":null}}`,
			headers: []string{"Content-Type", "application/merge-patch+json"}, code: 200, check: func(t *testing.T, r response) {
				if d := get(r.object(), "data"); fmt.Sprint(d) != "map[b:x]" {
					t.Errorf("data %v", d)
				}
			}},
		{name: "patch stale rv", method: "PATCH", path: ns + "/configmaps/c", body: fmt.Sprintf(`{"metadata":{"resourceVersion":%q}}`, rv),
			headers: []string{"Content-Type", "application/merge-patch+json"}, code: 409, reason: api.StatusReasonConflict},
		{name: "patch renames", method: "PATCH", path: ns + "/configmaps/c", body: `{"metadata":{"name":"d"}}`,
			headers: []string{"Content-Type", "application/merge-patch+json"}, code: 400, reason: api.StatusReasonBadRequest},
		{name: "patch bad type", method: "PATCH", path: ns + "/configmaps/c", body: `{}`,
			headers: []string{"Content-Type", "application/json"}, code: 415, reason: "UnsupportedMediaType"},
		{name: "server-side apply", method: "PATCH", path: ns + "/configmaps/c", body: `{}`,
			headers: []string{"Content-Type", "application/apply-patch+yaml"}, code: 415, contains: "server-side apply"},
		{name: "patch missing", method: "PATCH", path: ns + "/configmaps/zz", body: `{}`,
			headers: []string{"Content-Type", "application/merge-patch+json"}, code: 404, reason: api.StatusReasonNotFound},
		{name: "delete precondition", method: "DELETE", path: ns + "/configmaps/c",
			body: `{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"wrong"}}`, code: 409, reason: api.StatusReasonConflict},
		{name: "delete dry run in the body", method: "DELETE", path: ns + "/configmaps/c", body: `{"dryRun":["All"]}`, code: 200},
		{name: "dry run kept it", method: "GET", path: ns + "/configmaps/c", code: 200},
		{name: "delete dry run in the query", method: "DELETE", path: ns + "/configmaps/c?dryRun=All", code: 200},
		{name: "dry run kept it again", method: "GET", path: ns + "/configmaps/c", code: 200},
		{name: "delete bad policy", method: "DELETE", path: ns + "/configmaps/c?propagationPolicy=Sideways", code: 400, reason: api.StatusReasonBadRequest},
		{name: "delete bad body", method: "DELETE", path: ns + "/configmaps/c", body: `{"gracePeriodSeconds":"x"}`, code: 400, reason: api.StatusReasonBadRequest},
		{name: "delete", method: "DELETE", path: ns + "/configmaps/c", body: fmt.Sprintf(`{"preconditions":{"uid":%q}}`, uid), code: 200,
			check: func(t *testing.T, r response) {
				st := r.status()
				if st.Status != api.StatusSuccess || st.Details == nil || st.Details.Name != "c" || st.Details.UID != uid {
					t.Errorf("delete answered %s", r.body)
				}
			}},
		{name: "delete again", method: "DELETE", path: ns + "/configmaps/c", code: 404, reason: api.StatusReasonNotFound},
		{name: "delete orphan keeps it", method: "POST", path: ns + "/configmaps", body: cm("", "z"), code: 201},
		{name: "delete orphan", method: "DELETE", path: ns + "/configmaps/c?propagationPolicy=Orphan", code: 200,
			check: func(t *testing.T, r response) {
				if get(r.object(), "metadata", "deletionTimestamp") == nil || fmt.Sprint(get(r.object(), "metadata", "finalizers")) != "[orphan]" {
					t.Errorf("orphan delete answered %s", r.body)
				}
			}},
		{name: "still there", method: "GET", path: ns + "/configmaps/c", code: 200},
		{name: "pod delete returns the pod", method: "POST", path: ns + "/pods", body: fmt.Sprintf(podJSON, "p"), code: 201},
		{name: "pod delete", method: "DELETE", path: ns + "/pods/p", code: 200, check: hasField([]string{"kind"}, "Pod")},
		{name: "deletecollection", method: "POST", path: ns + "/pods", body: fmt.Sprintf(podJSON, "q"), code: 201},
		{name: "deletecollection by label", method: "DELETE", path: ns + "/pods?labelSelector=app%3Dweb", code: 200, check: hasItems("q")},
		{name: "deletecollection emptied", method: "GET", path: ns + "/pods", code: 200, check: hasItems()},
	})
}
