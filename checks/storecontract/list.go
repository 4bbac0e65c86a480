package storecontract

import (
	"fmt"
	"slices"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

var listTests = []contractTest{
	{"SortedByKey", testListSorted},
	{"PrefixIsolation", testListPrefixIsolation},
	{"AtOldRevision", testListAtOldRevision},
	{"PagingSnapshot", testListPagingSnapshot},
	{"BadContinue", testListBadContinue},
	{"BadOptions", testListBadOptions},
}

// list returns every item under prefix at the latest revision.
func list(t *testing.T, s store.Store, prefix string, opts store.ListOptions) store.ListResult {
	t.Helper()
	res, err := s.List(prefix, opts)
	if err != nil {
		t.Fatalf("List(%s, %+v): %v", prefix, opts, err)
	}
	return res
}

func testListSorted(t *testing.T, s store.Store) {
	// Created out of order; listed in key order.
	for _, n := range []string{"web-3", "web-1", "db-0", "web-10", "web-2"} {
		mustCreate(t, s, pod("default", n))
	}
	res := list(t, s, podPrefix("default"), store.ListOptions{})
	want := []string{"default/db-0", "default/web-1", "default/web-10", "default/web-2", "default/web-3"}
	if got := names(res.Items); !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	if res.Revision != revision(t, s) || res.Continue != "" || res.RemainingItemCount != 0 {
		t.Fatalf("List at latest: revision %d (store %d), continue %q, remaining %d", res.Revision, revision(t, s), res.Continue, res.RemainingItemCount)
	}
	for _, o := range res.Items {
		if o.GetObjectMeta().ResourceVersion == "" {
			t.Fatalf("listed %s without resourceVersion", describe(o))
		}
	}
	empty := list(t, s, podPrefix("nowhere"), store.ListOptions{})
	if len(empty.Items) != 0 || empty.Revision != revision(t, s) {
		t.Fatalf("empty List = %v at %d", names(empty.Items), empty.Revision)
	}
}

func testListPrefixIsolation(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("a", "p1"))
	mustCreate(t, s, pod("ab", "p2"))
	mustCreate(t, s, pod("a-b", "p3"))
	mustCreate(t, s, pod("b", "p4"))
	mustCreate(t, s, node("a"))
	if got := names(list(t, s, podPrefix("a"), store.ListOptions{}).Items); !slices.Equal(got, []string{"a/p1"}) {
		t.Fatalf("List(%s) = %v, want only namespace a", podPrefix("a"), got)
	}
	// Byte order of the keys: "a-b/" < "a/" because '-' < '/'.
	want := []string{"a-b/p3", "a/p1", "ab/p2", "b/p4"}
	if got := names(list(t, s, podPrefix(""), store.ListOptions{}).Items); !slices.Equal(got, want) {
		t.Fatalf("List(%s) = %v, want %v", podPrefix(""), got, want)
	}
	if got := names(list(t, s, api.KeyFor("nodes", "", ""), store.ListOptions{}).Items); !slices.Equal(got, []string{"/a"}) {
		t.Fatalf("List nodes = %v", got)
	}
	if got := list(t, s, api.KeyPrefix, store.ListOptions{}).Items; len(got) != 5 {
		t.Fatalf("List(%s) returned %d items, want 5", api.KeyPrefix, len(got))
	}
}

func testListAtOldRevision(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", "v", "1"))
	b := mustCreate(t, s, pod("default", "b"))
	snap := revision(t, s)
	mustUpdate(t, s, pod("default", "a", "v", "2"))
	mustDelete(t, s, podKey("default", "b"))
	mustCreate(t, s, pod("default", "c"))

	old := list(t, s, podPrefix("default"), store.ListOptions{Revision: snap})
	if got := names(old.Items); !slices.Equal(got, []string{"default/a", "default/b"}) || old.Revision != snap {
		t.Fatalf("List at %d = %v at %d", snap, got, old.Revision)
	}
	if old.Items[0].GetObjectMeta().Labels["v"] != "1" || old.Items[1].GetObjectMeta().ResourceVersion != b.GetObjectMeta().ResourceVersion {
		t.Fatalf("List at %d returned later versions: %s, %s", snap, describe(old.Items[0]), describe(old.Items[1]))
	}
	now := list(t, s, podPrefix("default"), store.ListOptions{})
	if got := names(now.Items); !slices.Equal(got, []string{"default/a", "default/c"}) || now.Items[0].GetObjectMeta().Labels["v"] != "2" {
		t.Fatalf("List at latest = %v", got)
	}
	_, err := s.List(podPrefix("default"), store.ListOptions{Revision: revision(t, s) + 1})
	wantCode(t, "List at a future revision", err, store.BadRequest)
}

func testListPagingSnapshot(t *testing.T, s store.Store) {
	var want []string
	for i := range 10 {
		name := fmt.Sprintf("p%02d", i)
		mustCreate(t, s, pod("default", name))
		want = append(want, "default/"+name)
	}
	mustCreate(t, s, pod("other", "zz"))
	var got []string
	var rev int64
	opts := store.ListOptions{Limit: 3}
	for page := 0; ; page++ {
		res := list(t, s, podPrefix("default"), opts)
		if page == 0 {
			rev = res.Revision
		} else if res.Revision != rev {
			t.Fatalf("page %d at revision %d, first page at %d", page, res.Revision, rev)
		}
		if int64(len(res.Items)) > opts.Limit {
			t.Fatalf("page %d has %d items, limit %d", page, len(res.Items), opts.Limit)
		}
		got = append(got, names(res.Items)...)
		if wantRemaining := int64(len(want) - len(got)); res.RemainingItemCount != wantRemaining {
			t.Fatalf("page %d: RemainingItemCount %d, want %d", page, res.RemainingItemCount, wantRemaining)
		}
		if res.Continue == "" {
			break
		}
		if page > 10 {
			t.Fatal("paging does not end")
		}
		// Writes between pages must not show through the snapshot.
		opts.Continue = res.Continue
		if page > 1 {
			continue
		}
		mustCreate(t, s, pod("default", fmt.Sprintf("new-%d", page)))
		mustCreate(t, s, pod("default", fmt.Sprintf("p%02d-late", 3*page+4)))
		mustDelete(t, s, podKey("default", fmt.Sprintf("p%02d", 3*page+5)))
		mustUpdate(t, s, pod("default", fmt.Sprintf("p%02d", 3*page+6), "late", "yes"))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged list = %v, want the snapshot %v", got, want)
	}
	// The last pages still read the snapshot's versions.
	res := list(t, s, podPrefix("default"), store.ListOptions{Revision: rev})
	for _, o := range res.Items {
		if o.GetObjectMeta().Labels["late"] != "" {
			t.Fatalf("snapshot list shows a later write: %s", describe(o))
		}
	}
	_, err := s.List(podPrefix("default"), store.ListOptions{Continue: opts.Continue, Revision: rev})
	wantCode(t, "List with both continue and revision", err, store.BadRequest)
}

func testListBadContinue(t *testing.T, s store.Store) {
	for i := range 3 {
		mustCreate(t, s, pod("default", fmt.Sprint("p", i)))
	}
	for _, tok := range []string{"!!!", "bm90LWpzb24", "e30", "eyJ2Ijo5OSwicmV2IjoyLCJzdGFydCI6IngifQ"} {
		_, err := s.List(podPrefix("default"), store.ListOptions{Continue: tok, Limit: 1})
		wantCode(t, "List with continue token "+tok, err, store.BadRequest)
	}
}

func testListBadOptions(t *testing.T, s store.Store) {
	_, err := s.List(podPrefix("default"), store.ListOptions{Limit: -1})
	wantCode(t, "List with negative limit", err, store.BadRequest)
	_, err = s.List(podPrefix("default"), store.ListOptions{Revision: -1})
	wantCode(t, "List at negative revision", err, store.BadRequest)
}
