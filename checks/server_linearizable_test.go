package checks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
	"github.com/capstan-dev/capstan/model/linearize"
	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// The API's linearizability: concurrent clients do create, get,
// update-with-resourceVersion, delete and list through the REST API of a
// real apiserver over etcd (an embedded member), and the history is checked
// against model/linearize. Services are used because an immediate DELETE
// of one answers the deleted object, whose resourceVersion is the deletion's
// revision, which the model needs. Two watchers run throughout; each must
// see every successful write once, in revision order.
const (
	linClients = 8
	linOps     = 700 // per client: 5,600 in all
	linKeys    = 5
)

func TestAPILinearizable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd and an API server; not in -short")
	}
	member := etcdtest.Member(t, false)
	backend := etcdstore.New(member.Client(), etcdstore.Options{Prefix: "/lin"})
	h, err := apiserver.New(apiserver.Config{Backend: backend, Authenticator: apiserver.AllowAll{}, Authorizer: apiserver.AllowAll{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	newClient := func() *client.Client {
		c, err := client.New(&client.Config{Server: srv.URL, Timeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	c0 := newClient()
	ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: "lin"}}
	if _, err := c0.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	start, err := c0.List(ctx, "Service", "lin", client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The watchers, from the revision before the first write.
	type seen struct {
		events []client.Event
		err    error
	}
	watched := make([]seen, 2)
	var mu sync.Mutex // guards watched, rec and unknown
	wctx, stopWatch := context.WithCancel(ctx)
	var wwg sync.WaitGroup
	for i := range watched {
		w, err := newClient().Watch(wctx, "Service", "lin", client.ListOptions{ResourceVersion: start.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for {
				ev, err := w.Next()
				if err != nil {
					if wctx.Err() == nil {
						watched[i].err = err
					}
					return
				}
				if ev.Type != client.Bookmark {
					mu.Lock()
					watched[i].events = append(watched[i].events, ev)
					mu.Unlock()
				}
			}
		}()
	}

	t0 := time.Now()
	now := func() int64 { return int64(time.Since(t0)) }
	var rec recorded
	unknown := 0
	var wg sync.WaitGroup
	for id := range linClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			rng := rand.New(rand.NewPCG(uint64(id), 7))
			lastRV := map[string]string{}
			for n := range linOps {
				name := "s" + strconv.Itoa(rng.IntN(linKeys))
				key := api.KeyFor("services", "lin", name)
				value := fmt.Sprintf("c%d-%d", id, n)
				if rng.IntN(8) == 0 {
					l, call, ret, err := listServices(c, now)
					mu.Lock()
					if err != nil {
						unknown++
					} else {
						rec.lists = append(rec.lists, linearize.ListCall{ClientID: id, Call: call, Return: ret,
							Prefix: api.KeyFor("services", "lin", ""), AtLatest: true, Revision: l.rev, Entries: l.entries})
					}
					mu.Unlock()
					continue
				}
				in := linearize.StoreInput{Key: key, Value: value}
				var obj api.Object
				var err error
				call := now()
				switch op := rng.IntN(10); {
				case op < 3:
					in.Op = "create"
					obj, err = c.Create(ctx, service(name, value, ""))
				case op < 5:
					in.Op, in.Value = "get", ""
					obj, err = c.Get(ctx, "Service", "lin", name)
				case op < 8:
					in.Op = "update"
					rv := lastRV[name]
					if rng.IntN(4) == 0 {
						rv = "" // unconditional
					}
					in.RV, _ = strconv.ParseInt(rv, 10, 64)
					obj, err = c.Update(ctx, service(name, value, rv))
				default:
					in.Op, in.Value = "delete", ""
					var opts client.DeleteOptions
					if rv := lastRV[name]; rv != "" && rng.IntN(2) == 0 {
						in.RV, _ = strconv.ParseInt(rv, 10, 64)
						opts.Preconditions = &client.Preconditions{ResourceVersion: &rv}
					}
					obj, err = c.Delete(ctx, "Service", "lin", name, opts)
				}
				ret := now()
				out, known := linOutput(in.Op, obj, err)
				if out.Code == "" && in.Op != "delete" {
					lastRV[name] = strconv.FormatInt(out.RV, 10)
				}
				mu.Lock()
				if known {
					rec.ops = append(rec.ops, porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: ret})
				} else {
					unknown++
					t.Errorf("client %d: %s %s: outcome unknown: %v", id, in.Op, name, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	last, err := c0.List(ctx, "Service", "lin", client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lastRev, _ := strconv.ParseInt(last.ResourceVersion, 10, 64)

	report := checkLinearizable(t, rec)
	if report != "" {
		t.Fatalf("the API's history is not linearizable:\n%s\n%s", firstLines(report, 2), illegalKeys(rec))
	}
	total := len(rec.ops) + len(rec.lists)
	t.Logf("%d operations (%d lists) by %d clients in %v through the REST API over etcd: linearizable, %d outcomes unknown",
		total, len(rec.lists), linClients, elapsed.Round(time.Millisecond), unknown)
	if total < 5000 || unknown > 0 {
		t.Fatalf("%d operations with known outcomes and %d unknown: want >= 5,000 and 0", total, unknown)
	}

	// Every watcher saw every successful write once, in revision order.
	var writes []int64
	for _, op := range rec.ops {
		if in, out := op.Input.(linearize.StoreInput), op.Output.(linearize.StoreOutput); in.Op != "get" && out.Code == "" {
			writes = append(writes, out.RV)
		}
	}
	slices.Sort(writes)
	deadline := time.Now().Add(30 * time.Second)
	for i := range watched {
		for {
			mu.Lock()
			n := len(watched[i].events)
			mu.Unlock()
			if n >= len(writes) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	stopWatch()
	wwg.Wait()
	for i, w := range watched { // the watchers are done: no lock needed
		if w.err != nil {
			t.Errorf("watcher %d: %v", i, w.err)
		}
		var revs []int64
		for _, ev := range w.events {
			rv, _ := strconv.ParseInt(ev.Object.GetObjectMeta().ResourceVersion, 10, 64)
			if rv <= lastRev {
				revs = append(revs, rv)
			}
		}
		if !slices.IsSorted(revs) || !slices.Equal(slices.Compact(slices.Clone(revs)), revs) {
			t.Errorf("watcher %d: revisions not strictly increasing", i)
		}
		if !slices.Equal(revs, writes) {
			t.Errorf("watcher %d saw %d events, the history has %d successful writes (first difference: %s)", i, len(revs), len(writes), firstDiff(revs, writes))
		}
	}
}

// service is a Service named name whose annotation "v" is the register's
// value; rv, if set, is the update's precondition.
func service(name, value, rv string) *api.Service {
	return &api.Service{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: "lin", Name: name, ResourceVersion: rv,
			Annotations: map[string]string{"v": value}},
		Spec: api.ServiceSpec{Ports: []api.ServicePort{{Port: 80}}},
	}
}

// linOutput turns an API answer into the model's output; known is false
// when the outcome is unknown (a transport error, a timeout).
func linOutput(op string, obj api.Object, err error) (linearize.StoreOutput, bool) {
	if err != nil {
		switch {
		case api.IsNotFound(err):
			return linearize.StoreOutput{Code: model.CodeNotFound}, true
		case api.IsAlreadyExists(err):
			return linearize.StoreOutput{Code: model.CodeAlreadyExists}, true
		case api.IsConflict(err):
			return linearize.StoreOutput{Code: model.CodeConflict}, true
		}
		return linearize.StoreOutput{}, false
	}
	if obj == nil {
		return linearize.StoreOutput{}, false // a Status: no revision to check
	}
	m := obj.GetObjectMeta()
	rv, _ := strconv.ParseInt(m.ResourceVersion, 10, 64)
	out := linearize.StoreOutput{RV: rv}
	if op == "get" {
		out.Value = m.Annotations["v"]
	}
	return out, true
}

type linList struct {
	rev     int64
	entries []model.KVEntry
}

func listServices(c *client.Client, now func() int64) (linList, int64, int64, error) {
	call := now()
	l, err := c.List(context.Background(), "Service", "lin", client.ListOptions{})
	ret := now()
	if err != nil {
		return linList{}, call, ret, err
	}
	out := linList{}
	out.rev, _ = strconv.ParseInt(l.ResourceVersion, 10, 64)
	for _, o := range l.Items {
		m := o.GetObjectMeta()
		rv, _ := strconv.ParseInt(m.ResourceVersion, 10, 64)
		out.entries = append(out.entries, model.KVEntry{Key: api.KeyFor("services", "lin", m.Name), Value: m.Annotations["v"], ModRevision: rv})
	}
	return out, call, ret, nil
}

func firstDiff(a, b []int64) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d: %d vs %d", i, a[i], b[i])
		}
	}
	return "one is a prefix of the other"
}

// illegalKeys describes, for a failing history, the operations on each key
// whose own history is not linearizable.
func illegalKeys(rec recorded) string {
	byKey := map[string][]porcupine.Operation{}
	var keys []string
	for _, op := range rec.ops {
		k := op.Input.(linearize.StoreInput).Key
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], op)
	}
	slices.Sort(keys)
	out := ""
	for _, k := range keys {
		ops := byKey[k]
		if porcupine.CheckOperationsTimeout(linearize.StoreModel, ops, 10*time.Second) == porcupine.Ok {
			continue
		}
		slices.SortFunc(ops, func(a, b porcupine.Operation) int { return int(a.Call - b.Call) })
		out += "key " + k + " is not linearizable:\n"
		for _, op := range ops {
			in := op.Input.(linearize.StoreInput)
			out += fmt.Sprintf("  client %d [%d, %d] rv=%d %s\n", op.ClientId, op.Call, op.Return, in.RV,
				linearize.DescribeStoreOperation(in, op.Output.(linearize.StoreOutput)))
		}
	}
	return out
}
