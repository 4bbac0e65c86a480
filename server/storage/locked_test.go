package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/checks/storecontract"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

func TestLockedContract(t *testing.T) {
	storecontract.Run(t, func(t *testing.T) store.Store { return storage.NewLocked(store.NewMemory()) })
}

func cm(name string) *api.ConfigMap {
	return &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
	}
}

// A stream blocked in Next wakes for a write made by another goroutine, and
// returns ctx.Err() when its context ends with nothing to deliver.
func TestLockedStreamBlocks(t *testing.T) {
	l := storage.NewLocked(store.NewMemory())
	s, err := l.WatchStream(context.Background(), "/registry/configmaps/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go func() {
		time.Sleep(20 * time.Millisecond)
		if _, err := l.Create(cm("a")); err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	evs, err := s.Next(ctx, 0)
	if err != nil || len(evs) != 1 || evs[0].Type != store.Added || evs[0].Key != "/registry/configmaps/default/a" {
		t.Fatalf("Next = %v, %v; want one ADDED of default/a", evs, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if evs, err := s.Next(short, 0); err != context.DeadlineExceeded || len(evs) != 0 {
		t.Fatalf("Next with nothing to deliver = %v, %v; want DeadlineExceeded", evs, err)
	}
}

// Close wakes a blocked Next, which then returns nothing.
func TestLockedStreamClose(t *testing.T) {
	l := storage.NewLocked(store.NewMemory())
	s, err := l.WatchStream(context.Background(), "/registry/configmaps/", 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		evs, err := s.Next(context.Background(), 0)
		if len(evs) != 0 {
			t.Errorf("Next after Close delivered %d events", len(evs))
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake Next")
	}
}
