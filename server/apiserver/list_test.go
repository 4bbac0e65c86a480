package apiserver

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

func TestList(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	ts.mustDo("POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"}}`, 201)
	pods := []struct{ name, ns, labels string }{
		{"a", "default", `{"app":"web","tier":"front","rank":"1"}`},
		{"b", "default", `{"app":"web","tier":"back","rank":"5"}`},
		{"c", "default", `{"app":"db"}`},
		{"d", "other", `{"app":"web"}`},
		{"e", "default", `{}`},
	}
	for _, p := range pods {
		ts.mustDo("POST", "/api/v1/namespaces/"+p.ns+"/pods",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"labels":%s},"spec":{"containers":[{"name":"c","image":"x"}]}}`, p.name, p.labels), 201)
	}
	ts.mustDo("POST", ns+"/pods/b/binding", `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"b"},"target":{"kind":"Node","name":"n1"}}`, 201)
	rev := fmt.Sprint(get(ts.mustDo("GET", ns+"/pods", "", 200).object(), "metadata", "resourceVersion"))
	sel := func(key, v string) string { return key + "=" + url.QueryEscape(v) }
	steps := []step{
		{name: "equality", method: "GET", path: ns + "/pods?" + sel("labelSelector", "app=web"), code: 200, check: hasItems("a", "b")},
		{name: "double equals", method: "GET", path: ns + "/pods?" + sel("labelSelector", "app==web,tier!=back"), code: 200, check: hasItems("a")},
		{name: "in", method: "GET", path: ns + "/pods?" + sel("labelSelector", "app in (web, db)"), code: 200, check: hasItems("a", "b", "c")},
		{name: "notin", method: "GET", path: ns + "/pods?" + sel("labelSelector", "app notin (web)"), code: 200, check: hasItems("c", "e")},
		{name: "exists", method: "GET", path: ns + "/pods?" + sel("labelSelector", "tier"), code: 200, check: hasItems("a", "b")},
		{name: "not exists", method: "GET", path: ns + "/pods?" + sel("labelSelector", "!tier,app"), code: 200, check: hasItems("c")},
		{name: "gt", method: "GET", path: ns + "/pods?" + sel("labelSelector", "rank>2"), code: 200, check: hasItems("b")},
		{name: "all namespaces", method: "GET", path: "/api/v1/pods?" + sel("labelSelector", "app=web"), code: 200, check: hasItems("a", "b", "d")},
		{name: "bad selector", method: "GET", path: ns + "/pods?" + sel("labelSelector", "app in web"), code: 400, reason: api.StatusReasonBadRequest,
			contains: "unable to parse requirement"},
		{name: "bad label value", method: "GET", path: ns + "/pods?" + sel("labelSelector", "app=-x-"), code: 400, reason: api.StatusReasonBadRequest},
		{name: "field nodeName", method: "GET", path: "/api/v1/pods?" + sel("fieldSelector", "spec.nodeName=n1"), code: 200, check: hasItems("b")},
		{name: "field unbound", method: "GET", path: ns + "/pods?" + sel("fieldSelector", "spec.nodeName=,status.phase=Pending"), code: 200,
			check: hasItems("a", "c", "e")},
		{name: "field name", method: "GET", path: "/api/v1/pods?" + sel("fieldSelector", "metadata.name!=a,metadata.namespace=default"), code: 200,
			check: hasItems("b", "c", "e")},
		{name: "field unsupported", method: "GET", path: ns + "/pods?" + sel("fieldSelector", "spec.image=x"), code: 400,
			reason: api.StatusReasonBadRequest, contains: "field label not supported"},
		{name: "field malformed", method: "GET", path: ns + "/pods?" + sel("fieldSelector", "spec.nodeName"), code: 400, reason: api.StatusReasonBadRequest},
		{name: "bad limit", method: "GET", path: ns + "/pods?limit=-1", code: 400, reason: api.StatusReasonBadRequest},
		{name: "bad continue", method: "GET", path: ns + "/pods?limit=1&continue=garbage", code: 400, reason: api.StatusReasonBadRequest},
		{name: "continue with rv", method: "GET", path: ns + "/pods?continue=x&resourceVersion=3", code: 400, reason: api.StatusReasonBadRequest},
		{name: "bad rv", method: "GET", path: ns + "/pods?resourceVersion=abc", code: 400, reason: api.StatusReasonBadRequest},
		{name: "match without rv", method: "GET", path: ns + "/pods?resourceVersionMatch=Exact", code: 400, reason: api.StatusReasonBadRequest},
		{name: "exact 0", method: "GET", path: ns + "/pods?resourceVersionMatch=Exact&resourceVersion=0", code: 400, reason: api.StatusReasonBadRequest},
		{name: "bad match", method: "GET", path: ns + "/pods?resourceVersionMatch=Soon&resourceVersion=1", code: 400, reason: api.StatusReasonBadRequest},
		{name: "not older than future", method: "GET", path: ns + "/pods?resourceVersion=100000&resourceVersionMatch=NotOlderThan", code: 504,
			reason: "Timeout", contains: "Too large resource version"},
		{name: "not older than", method: "GET", path: ns + "/pods?resourceVersion=1&resourceVersionMatch=NotOlderThan", code: 200,
			check: hasItems("a", "b", "c", "e")},
		{name: "rv 0", method: "GET", path: ns + "/pods?resourceVersion=0", code: 200, check: hasItems("a", "b", "c", "e")},
		{name: "bad watch flag", method: "GET", path: ns + "/pods?watch=maybe", code: 400, reason: api.StatusReasonBadRequest},
		{name: "bad query escape", method: "GET", path: ns + "/pods?labelSelector=%zz", code: 400, reason: api.StatusReasonBadRequest},
	}
	runSteps(t, ts, steps)

	// An exact read sees the past: after a delete, the list at the
	// earlier revision still holds the pod.
	ts.mustDo("DELETE", ns+"/pods/e", "", 200)
	runSteps(t, ts, []step{
		{name: "exact", method: "GET", path: ns + "/pods?resourceVersionMatch=Exact&resourceVersion=" + rev, code: 200,
			check: hasItems("a", "b", "c", "e")},
		{name: "latest", method: "GET", path: ns + "/pods", code: 200, check: hasItems("a", "b", "c")},
	})
	// Compacted history is gone: 410 Expired.
	cur, _ := ts.backend.Revision()
	if err := ts.backend.Compact(cur); err != nil {
		t.Fatal(err)
	}
	runSteps(t, ts, []step{
		{name: "exact compacted", method: "GET", path: ns + "/pods?resourceVersionMatch=Exact&resourceVersion=" + rev, code: 410,
			reason: api.StatusReasonExpired},
	})
}

// Pages: every item exactly once, in key order, at one revision, with
// and without selectors; remainingItemCount only without.
func TestListPages(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	var want, wantWeb []string
	for i := range 23 {
		name := fmt.Sprintf("p%02d", i)
		app := "db"
		if i%3 == 0 {
			app = "web"
			wantWeb = append(wantWeb, name)
		}
		want = append(want, name)
		ts.mustDo("POST", ns+"/configmaps",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"labels":{"app":%q}}}`, name, app), 201)
	}
	page := func(query string, limit int) ([]string, int) {
		var got []string
		cont, pages, rv := "", 0, ""
		for {
			q := fmt.Sprintf("%s&limit=%d", query, limit)
			if cont != "" {
				q += "&continue=" + url.QueryEscape(cont)
			}
			r := ts.mustDo("GET", ns+"/configmaps?"+q, "", 200)
			names := itemNames(t, r)
			if len(names) > limit {
				t.Fatalf("page of %d items with limit %d", len(names), limit)
			}
			got = append(got, names...)
			pages++
			o := r.object()
			if prv := fmt.Sprint(get(o, "metadata", "resourceVersion")); rv != "" && prv != rv {
				t.Errorf("page revision %s, first page's %s", prv, rv)
			} else {
				rv = prv
			}
			c, _ := get(o, "metadata", "continue").(string)
			rem := get(o, "metadata", "remainingItemCount")
			if strings.Contains(query, "labelSelector") && rem != nil {
				t.Errorf("remainingItemCount %v with a selector", rem)
			}
			if !strings.Contains(query, "labelSelector") && c != "" && rem != float64(len(want)-len(got)) {
				t.Errorf("remainingItemCount %v, want %d", rem, len(want)-len(got))
			}
			if c == "" {
				return got, pages
			}
			cont = c
			// Writes between pages do not show: the list is at one revision.
			ts.mustDo("POST", ns+"/configmaps", fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"late-","labels":{"app":"web","late":"yes"}}}`), 201)
		}
	}
	got, pages := page("x=1", 5)
	if strings.Join(got, ",") != strings.Join(want, ",") || pages != 5 {
		t.Errorf("paged list: %d pages %v", pages, got)
	}
	got, _ = page("labelSelector="+url.QueryEscape("app=web,!late"), 3)
	if strings.Join(got, ",") != strings.Join(wantWeb, ",") {
		t.Errorf("paged filtered list: %v, want %v", got, wantWeb)
	}
}
