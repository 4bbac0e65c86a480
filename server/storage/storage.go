package storage

import (
	"context"

	"github.com/capstan-dev/capstan/core/store"
)

// Backend is a store.Store that is safe for concurrent use and whose watches
// can be waited on. Its store.Store methods keep core/store's semantics
// exactly (checks/storecontract pins them).
type Backend interface {
	store.Store

	// WatchStream is Watch for a goroutine: a Stream that delivers every
	// event under prefix with revision >= fromRevision, exactly once and in
	// order (fromRevision 0 means from the next write). A fromRevision older
	// than the compaction revision fails with a store.Compacted error.
	WatchStream(ctx context.Context, prefix string, fromRevision int64) (Stream, error)
}

// Stream is a blocking watch.
type Stream interface {
	// Next blocks until at least one event is available, the stream fails,
	// or ctx is done, and returns the available events in revision order
	// (at most limit, or all when limit <= 0). A stream that has fallen
	// behind a compaction returns a store.Compacted error, then and on every
	// later call. After ctx is done it returns ctx.Err().
	Next(ctx context.Context, limit int) ([]store.Event, error)
	// Close releases the stream; a Next blocked on it returns. Idempotent.
	Close()
}
