package etcdserver_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/server/etcdserver"
)

// recorder is a slog.Handler that keeps the records it is given.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) levels() map[slog.Level]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[slog.Level]int{}
	for _, rec := range r.records {
		out[rec.Level]++
	}
	return out
}

// A member restarted on its data directory keeps every key, and the
// revision: the store above it sees no difference.
func TestRestartKeepsData(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		name := "inprocess"
		if tcp {
			name = "tcp"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rec := &recorder{}
			info := slog.LevelInfo
			cfg := etcdserver.Config{Dir: t.TempDir(), Fast: true, TCPClient: tcp, Logger: slog.New(rec), LogLevel: &info}
			s, err := etcdserver.Start(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.ClientURL(), "http://127.0.0.1:") || !strings.HasPrefix(s.PeerURL(), "http://127.0.0.1:") {
				t.Fatalf("URLs %s, %s: want loopback", s.ClientURL(), s.PeerURL())
			}
			for _, k := range []string{"a", "b", "c"} {
				if _, err := s.Client().Put(ctx, k, "v-"+k); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := s.Client().Get(ctx, "b")
			if err != nil {
				t.Fatal(err)
			}
			rev := resp.Header.Revision
			if !s.IsLeader() {
				t.Fatal("a single member is not its own leader")
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			select {
			case <-s.Stopped():
			default:
				t.Fatal("Stopped not closed after Close")
			}
			if rec.levels()[slog.LevelInfo] == 0 {
				t.Fatal("no etcd log reached the given slog.Logger at info")
			}

			s2, err := etcdserver.Start(ctx, s.Config())
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			resp, err = s2.Client().Get(ctx, "", etcdPrefix()...)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Header.Revision != rev || len(resp.Kvs) != 3 {
				t.Fatalf("after restart: revision %d with %d keys, want %d with 3", resp.Header.Revision, len(resp.Kvs), rev)
			}
			for _, kv := range resp.Kvs {
				if string(kv.Value) != "v-"+string(kv.Key) {
					t.Fatalf("after restart %s = %s", kv.Key, kv.Value)
				}
			}
			if s2.ClientURL() != s.ClientURL() {
				t.Fatalf("restart moved the client URL from %s to %s", s.ClientURL(), s2.ClientURL())
			}
		})
	}
}

// Non-loopback and malformed URLs are refused before anything starts.
func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://0.0.0.0:2379", "http://10.1.2.3:2379", "http://example.com:2379", "https://127.0.0.1:2379", "http://127.0.0.1", "::"} {
		_, err := etcdserver.Start(context.Background(), etcdserver.Config{Dir: t.TempDir(), ClientURL: u})
		if err == nil {
			t.Fatalf("Start with client URL %q succeeded", u)
		}
	}
	if _, err := etcdserver.Start(context.Background(), etcdserver.Config{}); err == nil {
		t.Fatal("Start without a data directory succeeded")
	}
}

// A member that cannot be ready in time (a cluster of two whose other member
// never starts) gives up at StartTimeout and leaves nothing running.
func TestStartTimeout(t *testing.T) {
	port, err := etcdserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := etcdserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	errLevel := slog.LevelError
	cfg := etcdserver.Config{
		Dir: t.TempDir(), Name: "a", Fast: true, StartTimeout: 500 * time.Millisecond,
		PeerURL:        "http://127.0.0.1:" + itoa(peer),
		InitialCluster: "a=http://127.0.0.1:" + itoa(peer) + ",b=http://127.0.0.1:" + itoa(port),
		Logger:         slog.New(&recorder{}), LogLevel: &errLevel,
	}
	start := time.Now()
	if _, err := etcdserver.Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("Start of a member without quorum: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("Start took %v to give up", d)
	}
	// Its ports are free again.
	cfg2 := etcdserver.Config{Dir: t.TempDir(), Fast: true, PeerURL: cfg.PeerURL, Logger: cfg.Logger, LogLevel: &errLevel}
	s, err := etcdserver.Start(context.Background(), cfg2)
	if err != nil {
		t.Fatalf("the failed member's peer port is still taken: %v", err)
	}
	s.Close()
}

// A second member on a data directory in use fails at once, and the
// directory is free again once the first member stops.
func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	errLevel := slog.LevelError
	cfg := etcdserver.Config{Dir: dir, Fast: true, Logger: slog.New(&recorder{}), LogLevel: &errLevel}
	a, err := etcdserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := etcdserver.Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "in use") {
		a.Close()
		t.Fatalf("second member on %s: %v; want in use", dir, err)
	}
	a.Close()
	b, err := etcdserver.Start(context.Background(), a.Config())
	if err != nil {
		t.Fatalf("restart after the first stopped: %v", err)
	}
	b.Close()
}
