package controlplane_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/controlplane/cptest"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
)

// A leader whose election key vanished behind its back (as when its lease
// expired while it was paused) has its next write refused by etcd itself:
// the term ends, nothing it asked for after that is written, and it
// campaigns again and carries on in a new term.
func TestDeposedLeaderIsFencedInEtcd(t *testing.T) {
	cli := etcdtest.Member(t, false).Client()
	st := etcdstore.New(cli, etcdstore.Options{Prefix: "/fenced"})
	e := newEnv(t, st)
	reg := prometheus.NewRegistry()
	m := controlplane.NewMetrics(reg)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	var mu sync.Mutex
	var terms []controlplane.Term
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- controlplane.Lead(ctx, controlplane.ElectionConfig{
			Client: cli, Key: "/fenced/leader", TTL: 5 * time.Second, Identity: "test", Logger: log, Metrics: m,
		}, func(ctx context.Context, term controlplane.Term) error {
			mu.Lock()
			terms = append(terms, term)
			mu.Unlock()
			w := etcdstore.New(cli, etcdstore.Options{Prefix: "/fenced", KV: term.FenceKV(cli.KV)})
			return controlplane.Run(ctx, controlplane.Config{Backend: st, Writer: w, Logger: log, Metrics: m})
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	eventually(t, 10*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(terms) == 1, fmt.Sprintf("%d terms", len(terms))
	})
	// The key goes, the session stays: only etcd knows.
	mu.Lock()
	first := terms[0]
	mu.Unlock()
	if _, err := cli.Delete(context.Background(), first.Key); err != nil {
		t.Fatal(err)
	}
	e.create(t, cptest.Deployment("web", 1))
	eventually(t, 10*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(terms) == 2, fmt.Sprintf("%d terms, want a second after the fenced write", len(terms))
	})
	eventually(t, 10*time.Second, func() (bool, string) {
		l, err := st.List(api.KeyPrefix+"pods/", store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items) == 1, fmt.Sprintf("%d pods, want the Deployment's one, made in the second term", len(l.Items))
	})
	// Nothing of the Deployment's was written before the second term
	// began: the first term's write was refused.
	mu.Lock()
	second := terms[1]
	mu.Unlock()
	before, err := st.List(api.KeyPrefix+"replicasets/", store.ListOptions{Revision: second.Rev})
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Items) != 0 {
		t.Errorf("a ReplicaSet was written before the second term, by the deposed leader: %v", before.Items[0].GetObjectMeta().Name)
	}
	if got := metric(t, reg, "capstan_controlplane_writes_total"); got < 2 {
		t.Errorf("%v writes recorded, want the refused one and the second term's", got)
	}
	if got := metric(t, reg, "capstan_controlplane_leader_terms_total"); got != 2 {
		t.Errorf("terms %v, want 2", got)
	}
}
