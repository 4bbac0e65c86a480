package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

// Options configure a Store.
type Options struct {
	// Prefix is put before every key in etcd, so that several stores (the
	// tests of one package, several capstan clusters) can share one etcd.
	// Empty, or a path such as "/capstan-test-3" (no trailing slash
	// needed: keys start with "/registry/").
	Prefix string
	// Timeout bounds each call to etcd; 0 means DefaultTimeout.
	Timeout time.Duration
	// Observe, if set, is called after every etcd round trip with the
	// operation ("create", "get", "list", "update", "delete", "compact",
	// "revision", "watch"), its duration, and its error, nil or not
	// (store errors such as NotFound and Conflict included). It is called
	// from many goroutines at once.
	Observe func(op string, d time.Duration, err error)
	// KV, if set, is used instead of the client's KV for reads and
	// writes (watches still use the client): the control plane passes a
	// KV whose writes are conditional on its leadership
	// (controlplane.Term.FenceKV).
	KV clientv3.KV
	// MaxWatchBuffer bounds the events a watcher holds for a consumer
	// that does not keep up; 0 means DefaultMaxWatchBuffer. A watcher
	// that would hold more stops watching: it delivers what it holds,
	// then fails with store.Compacted (410 Gone at the API), so that its
	// consumer lists again instead of the server running out of memory.
	MaxWatchBuffer int
}

// DefaultMaxWatchBuffer is the default of Options.MaxWatchBuffer.
const DefaultMaxWatchBuffer = 100_000

// DefaultTimeout bounds one call to etcd when Options.Timeout is 0: as long
// as etcd's own request timeout, and as Kubernetes allows a request.
const DefaultTimeout = 60 * time.Second

// Store is a storage.Backend over etcd. It is safe for concurrent use.
type Store struct {
	cli     *clientv3.Client
	kv      clientv3.KV
	watcher clientv3.Watcher
	prefix  string
	timeout time.Duration
	observe func(op string, d time.Duration, err error)
	// retryDelay is the pause before a watch that ended is started again.
	retryDelay time.Duration
	maxBuffer  int
}

var _ storage.Backend = (*Store)(nil)

// New returns a Store over cli. The caller keeps cli and closes it after
// the last use of the store and its watchers.
func New(cli *clientv3.Client, opts Options) *Store {
	s := &Store{
		cli:        cli,
		kv:         cli.KV,
		watcher:    cli.Watcher,
		prefix:     strings.TrimSuffix(opts.Prefix, "/"),
		timeout:    opts.Timeout,
		observe:    opts.Observe,
		retryDelay: 100 * time.Millisecond,
		maxBuffer:  opts.MaxWatchBuffer,
	}
	if s.maxBuffer <= 0 {
		s.maxBuffer = DefaultMaxWatchBuffer
	}
	if opts.KV != nil {
		s.kv = opts.KV
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s
}

// call runs one etcd round trip under the store's timeout and reports it to
// Observe. The error passed to Observe is the store's answer: done may turn
// an etcd success into a store error (a failed compare).
func (s *Store) call(op string, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	start := time.Now()
	err := f(ctx)
	if s.observe != nil {
		s.observe(op, time.Since(start), err)
	}
	return err
}

// etcdKey returns the etcd key of a store key.
func (s *Store) etcdKey(key string) string { return s.prefix + key }

// storeKey returns the store key of an etcd key.
func (s *Store) storeKey(k []byte) string { return string(k[len(s.prefix):]) }

// Revision implements store.Store: the revision in the header of a read,
// which is etcd's current revision.
func (s *Store) Revision() (int64, error) {
	var rev int64
	err := s.call("revision", func(ctx context.Context) error {
		resp, err := s.kv.Get(ctx, s.etcdKey(api.KeyPrefix), clientv3.WithCountOnly())
		if err != nil {
			return etcdError("revision", "", err)
		}
		rev = resp.Header.Revision
		return nil
	})
	return rev, err
}

// Compact implements store.Store with etcd's compaction. Every key of the
// etcd, not only those under the store's prefix, loses its history.
func (s *Store) Compact(rev int64) error {
	if rev <= 0 {
		return &store.Error{Code: store.BadRequest, Message: fmt.Sprintf("invalid compaction revision %d", rev)}
	}
	return s.call("compact", func(ctx context.Context) error {
		_, err := s.kv.Compact(ctx, rev)
		return etcdError("compact", "", err)
	})
}

// etcdError translates an etcd error: compaction and future revisions
// become the store's codes, anything else (timeouts, no leader, a closed
// client) is wrapped as it is.
func etcdError(op, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rpctypes.ErrCompacted):
		return &store.Error{Code: store.Compacted, Key: key, Message: err.Error()}
	case errors.Is(err, rpctypes.ErrFutureRev):
		return &store.Error{Code: store.BadRequest, Key: key, Message: err.Error()}
	case key == "":
		return fmt.Errorf("etcdstore: %s: %w", op, err)
	default:
		return fmt.Errorf("etcdstore: %s %s: %w", op, key, err)
	}
}

// storeError returns a store error.
func storeError(code store.Code, key, format string, args ...any) error {
	return &store.Error{Code: code, Key: key, Message: fmt.Sprintf(format, args...)}
}

// checkRevision rejects a negative read revision.
func checkRevision(key string, rev int64) error {
	if rev < 0 {
		return storeError(store.BadRequest, key, "negative revision %d", rev)
	}
	return nil
}
