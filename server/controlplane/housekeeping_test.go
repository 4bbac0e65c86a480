package controlplane_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/controlplane"
	"github.com/capstan-dev/capstan/server/storage"
)

func event(name string, last time.Time) *api.Event {
	return &api.Event{
		TypeMeta:      api.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta:    api.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: api.Time(last.UnixNano())},
		LastTimestamp: api.Time(last.UnixNano()),
		Reason:        "Test",
	}
}

// Events past their TTL go, the others stay; the history is compacted
// every interval to the revision seen one interval before.
func TestHousekeeping(t *testing.T) {
	b := storage.NewLocked(store.NewMemory())
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	now := clock.Now()
	for name, last := range map[string]time.Time{"old": now.Add(-2 * time.Hour), "fresh": now.Add(-10 * time.Minute)} {
		if _, err := b.Create(event(name, last)); err != nil {
			t.Fatal(err)
		}
	}
	start, _ := b.Revision()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		controlplane.Housekeep(ctx, controlplane.HousekeepingConfig{
			Backend: b, EventTTL: time.Hour, CompactInterval: 5 * time.Minute, Every: time.Minute,
			Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}()
	defer func() { cancel(); <-done }()
	step := func() {
		t.Helper()
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	step()
	step() // the first round has finished once the second waits
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get("/registry/events/default/old"); !store.IsNotFound(err) {
		t.Errorf("the 2h-old event: %v, want it deleted", err)
	}
	if _, err := b.Get("/registry/events/default/fresh"); err != nil {
		t.Errorf("the fresh event: %v", err)
	}
	// Three more minutes: the compaction round, at the revision seen when
	// housekeeping started.
	for range 4 {
		step()
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetAt("/registry/events/default/fresh", start-1); !store.IsCompacted(err) {
		t.Errorf("read below the compaction revision %d: %v, want Compacted", start, err)
	}
	if _, err := b.GetAt("/registry/events/default/fresh", start); err != nil {
		t.Errorf("read at the compaction revision: %v", err)
	}
}
