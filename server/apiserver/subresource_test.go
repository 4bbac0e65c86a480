package apiserver

import (
	"fmt"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

func TestSubresources(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	apps := "/apis/apps/v1/namespaces/default"
	created := ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "p"), 201)
	uid := fmt.Sprint(get(created.object(), "metadata", "uid"))
	ts.mustDo("POST", apps+"/deployments", deploymentJSON, 201)
	merge := []string{"Content-Type", "application/merge-patch+json"}
	runSteps(t, ts, []step{
		// status: only the status changes, whatever else the body says.
		{name: "status get", method: "GET", path: ns + "/pods/p/status", code: 200, check: hasField([]string{"kind"}, "Pod")},
		{name: "status patch", method: "PATCH", path: ns + "/pods/p/status", headers: merge,
			body: `{"metadata":{"labels":{"ignored":"yes"}},"status":{"phase":"Running","podIP":"10.0.0.1"}}`, code: 200,
			check: func(t *testing.T, r response) {
				o := r.object()
				if get(o, "status", "phase") != "Running" || get(o, "metadata", "labels", "ignored") != nil {
					t.Errorf("status patch wrote %s", r.body)
				}
			}},
		{name: "status put", method: "PUT", path: ns + "/pods/p/status",
			body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"other","image":"y"}]},"status":{"phase":"Succeeded"}}`,
			code: 200, check: func(t *testing.T, r response) {
				c, _ := get(r.object(), "spec", "containers").([]any)
				if get(r.object(), "status", "phase") != "Succeeded" || len(c) != 1 || get(c[0].(map[string]any), "name") != "c" {
					t.Errorf("status put wrote %s", r.body)
				}
			}},
		{name: "status of a kind without status", method: "GET", path: ns + "/configmaps/x/status", code: 404},
		{name: "status post", method: "POST", path: ns + "/pods/p/status", body: "{}", code: 405},

		// scale: autoscaling/v1 Scale over spec.replicas.
		{name: "scale get", method: "GET", path: apps + "/deployments/web/scale", code: 200, check: func(t *testing.T, r response) {
			o := r.object()
			if o["kind"] != "Scale" || o["apiVersion"] != "autoscaling/v1" || get(o, "spec", "replicas") != float64(2) ||
				get(o, "status", "selector") != "app=web" {
				t.Errorf("scale %s", r.body)
			}
		}},
		{name: "scale patch", method: "PATCH", path: apps + "/deployments/web/scale", headers: merge, body: `{"spec":{"replicas":7}}`, code: 200,
			check: hasField([]string{"spec", "replicas"}, 7)},
		{name: "scale applied", method: "GET", path: apps + "/deployments/web", code: 200, check: hasField([]string{"spec", "replicas"}, 7)},
		{name: "scale put", method: "PUT", path: apps + "/deployments/web/scale",
			body: `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":1}}`, code: 200,
			check: hasField([]string{"spec", "replicas"}, 1)},
		{name: "scale put stale", method: "PUT", path: apps + "/deployments/web/scale",
			body: `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","resourceVersion":"2"},"spec":{"replicas":1}}`,
			code: 409, reason: api.StatusReasonConflict},
		{name: "scale negative", method: "PATCH", path: apps + "/deployments/web/scale", headers: merge, body: `{"spec":{"replicas":-1}}`,
			code: 422, reason: api.StatusReasonInvalid},
		{name: "scale wrong kind", method: "PUT", path: apps + "/deployments/web/scale", body: `{"kind":"Pod","spec":{"replicas":1}}`,
			code: 400, reason: api.StatusReasonBadRequest},
		{name: "scale unknown field", method: "PUT", path: apps + "/deployments/web/scale", body: `{"spec":{"replicaz":1}}`,
			code: 400, reason: api.StatusReasonBadRequest},
		{name: "scale missing", method: "GET", path: apps + "/deployments/none/scale", code: 404, reason: api.StatusReasonNotFound},
		{name: "no scale for pods", method: "GET", path: ns + "/pods/p/scale", code: 404},

		// binding
		{name: "bind wrong uid", method: "POST", path: ns + "/pods/p/binding",
			body: `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p","uid":"nope"},"target":{"kind":"Node","name":"n1"}}`,
			code: 409, reason: api.StatusReasonConflict},
		{name: "bind no node", method: "POST", path: ns + "/pods/p/binding", body: `{"target":{}}`, code: 422, reason: api.StatusReasonInvalid},
		{name: "bind", method: "POST", path: ns + "/pods/p/binding",
			body: fmt.Sprintf(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p","uid":%q},"target":{"kind":"Node","name":"n1"}}`, uid),
			code: 201, check: hasField([]string{"status"}, "Success")},
		{name: "bound", method: "GET", path: ns + "/pods/p", code: 200, check: hasField([]string{"spec", "nodeName"}, "n1")},
		{name: "bind twice", method: "POST", path: ns + "/pods/p/binding", body: `{"target":{"name":"n2"}}`, code: 409,
			reason: api.StatusReasonConflict, contains: "already assigned"},
		{name: "bind get", method: "GET", path: ns + "/pods/p/binding", code: 405},

		// eviction
		{name: "evict", method: "POST", path: ns + "/pods/p/eviction",
			body: `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p"},"deleteOptions":{"gracePeriodSeconds":0}}`, code: 201},
		{name: "evicted", method: "GET", path: ns + "/pods/p", code: 404},
		{name: "evict missing", method: "POST", path: ns + "/pods/p/eviction", body: `{"metadata":{"name":"p"}}`, code: 404},
		{name: "evict name mismatch", method: "POST", path: ns + "/pods/p/eviction", body: `{"metadata":{"name":"q"}}`, code: 400},
	})
}

// Graceful deletion: a pod bound to a node is marked, not removed, and
// the DELETE answers it with its deletionTimestamp.
func TestGracefulDelete(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	ts.mustDo("POST", ns+"/pods", fmt.Sprintf(podJSON, "p"), 201)
	ts.mustDo("POST", ns+"/pods/p/binding", `{"target":{"name":"n1"}}`, 201)
	r := ts.mustDo("DELETE", ns+"/pods/p?gracePeriodSeconds=10", "", 200)
	if get(r.object(), "metadata", "deletionTimestamp") != "2026-01-01T00:00:10Z" || get(r.object(), "metadata", "deletionGracePeriodSeconds") != float64(10) {
		t.Errorf("graceful delete answered %s", r.body)
	}
	ts.mustDo("GET", ns+"/pods/p", "", 200)
	ts.mustDo("DELETE", ns+"/pods/p", `{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0}`, 200)
	ts.mustDo("GET", ns+"/pods/p", "", 404)
	// A Deployment deleted at once answers a Success Status.
	ts.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON, 201)
	r = ts.mustDo("DELETE", "/apis/apps/v1/namespaces/default/deployments/web", "", 200)
	if st := r.status(); st.Status != api.StatusSuccess || st.Details == nil || st.Details.Group != "apps" || st.Details.Kind != "deployments" {
		t.Errorf("deployment delete answered %s", r.body)
	}
}

// The three patch types, through server/patch.
func TestPatchTypes(t *testing.T) {
	ts := newTestServer(t)
	apps := "/apis/apps/v1/namespaces/default"
	ts.mustDo("POST", apps+"/deployments", deploymentJSON, 201)
	runSteps(t, ts, []step{
		{name: "json patch", method: "PATCH", path: apps + "/deployments/web", headers: []string{"Content-Type", "application/json-patch+json"},
			body: `[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]`, code: 200,
			check: hasField([]string{"spec", "replicas"}, 4)},
		{name: "json patch test fails", method: "PATCH", path: apps + "/deployments/web", headers: []string{"Content-Type", "application/json-patch+json"},
			body: `[{"op":"test","path":"/spec/replicas","value":9}]`, code: 409},
		{name: "json patch bad path", method: "PATCH", path: apps + "/deployments/web", headers: []string{"Content-Type", "application/json-patch+json"},
			body: `[{"op":"remove","path":"/spec/nothing"}]`, code: 422},
		{name: "strategic merge adds a container by name", method: "PATCH", path: apps + "/deployments/web",
			headers: []string{"Content-Type", "application/strategic-merge-patch+json"},
			body:    `{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}`, code: 200,
			check: func(t *testing.T, r response) {
				c, _ := get(r.object(), "spec", "template", "spec", "containers").([]any)
				if len(c) != 2 {
					t.Errorf("containers after the strategic merge: %v", c)
				}
			}},
		{name: "merge patch replaces the list", method: "PATCH", path: apps + "/deployments/web",
			headers: []string{"Content-Type", "application/merge-patch+json"},
			body:    `{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox"}]}}}}`, code: 200,
			check: func(t *testing.T, r response) {
				c, _ := get(r.object(), "spec", "template", "spec", "containers").([]any)
				if len(c) != 1 {
					t.Errorf("containers after the merge patch: %v", c)
				}
			}},
		{name: "patch makes it invalid", method: "PATCH", path: apps + "/deployments/web", headers: []string{"Content-Type", "application/merge-patch+json"},
			body: `{"spec":{"selector":{"matchLabels":{"app":"other"}}}}`, code: 422, reason: api.StatusReasonInvalid},
		{name: "patch with an unknown field, strict", method: "PATCH", path: apps + "/deployments/web?fieldValidation=Strict",
			headers: []string{"Content-Type", "application/merge-patch+json"}, body: `{"spec":{"replicaz":1}}`, code: 400,
			contains: "unknown field"},
		{name: "scale strategic", method: "PATCH", path: apps + "/deployments/web/scale",
			headers: []string{"Content-Type", "application/strategic-merge-patch+json"}, body: `{"spec":{"replicas":2}}`, code: 200,
			check: hasField([]string{"spec", "replicas"}, 2)},
	})
}
