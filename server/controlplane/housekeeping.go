package controlplane

import (
	"context"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/storage"
)

// HousekeepingConfig configures Housekeep.
type HousekeepingConfig struct {
	// Backend is read from; Writer is written to (the term's fenced
	// store).
	Backend storage.Backend
	Writer  store.Store
	// EventTTL is how long an Event lives after its last occurrence
	// (Kubernetes' --event-ttl, default 1h; negative: forever).
	EventTTL time.Duration
	// CompactInterval, if positive, compacts the store's history every
	// interval, to the revision seen one interval earlier, as Kubernetes'
	// API server does (every 5 minutes). Leave it 0 when etcd compacts
	// on its own (the embedded member does).
	CompactInterval time.Duration
	// Every is how often housekeeping runs (default 1 minute).
	Every  time.Duration
	Clock  clockwork.Clock
	Logger *slog.Logger
}

// Housekeep does, until ctx ends, what a cluster needs beyond the
// controllers and that only the leader should do: it deletes Events older
// than EventTTL (kube keeps them in etcd under a lease instead) and, if
// asked, compacts the store's history. Failures are logged and retried at
// the next round.
func Housekeep(ctx context.Context, cfg HousekeepingConfig) {
	if cfg.Writer == nil {
		cfg.Writer = cfg.Backend
	}
	if cfg.EventTTL == 0 {
		cfg.EventTTL = time.Hour
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var compactAt time.Time
	var compactRev int64 // revision seen at the previous compaction round
	if cfg.CompactInterval > 0 {
		compactAt = cfg.Clock.Now().Add(cfg.CompactInterval)
		compactRev, _ = cfg.Backend.Revision()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-cfg.Clock.After(cfg.Every):
		}
		if cfg.EventTTL > 0 {
			if n, err := expireEvents(ctx, cfg); err != nil {
				cfg.Logger.Warn("housekeeping: expiring events", "err", err, "deleted", n)
			} else if n > 0 {
				cfg.Logger.Debug("housekeeping: expired events", "deleted", n)
			}
		}
		if cfg.CompactInterval > 0 && !cfg.Clock.Now().Before(compactAt) {
			compactAt = cfg.Clock.Now().Add(cfg.CompactInterval)
			rev, err := cfg.Backend.Revision()
			if err != nil {
				cfg.Logger.Warn("housekeeping: revision", "err", err)
				continue
			}
			if compactRev > 1 {
				if err := cfg.Backend.Compact(compactRev); err != nil && !store.IsCompacted(err) {
					cfg.Logger.Warn("housekeeping: compaction", "revision", compactRev, "err", err)
				} else if err == nil {
					cfg.Logger.Debug("housekeeping: compacted", "revision", compactRev)
				}
			}
			compactRev = rev
		}
	}
}

// expireEvents deletes the Events whose last occurrence is older than the
// TTL, a page at a time, each with its resourceVersion as a precondition
// (an Event recorded again meanwhile stays).
func expireEvents(ctx context.Context, cfg HousekeepingConfig) (int, error) {
	cutoff := api.Time(cfg.Clock.Now().Add(-cfg.EventTTL).UnixNano())
	deleted := 0
	opts := store.ListOptions{Limit: 500}
	for {
		page, err := cfg.Backend.List(api.KeyPrefix+"events/", opts)
		if err != nil {
			return deleted, err
		}
		for _, obj := range page.Items {
			if ctx.Err() != nil {
				return deleted, nil
			}
			ev, ok := obj.(*api.Event)
			if !ok {
				continue
			}
			last := max(ev.LastTimestamp, ev.FirstTimestamp, ev.CreationTimestamp)
			if last >= cutoff {
				continue
			}
			key, err := api.KeyOf(ev)
			if err != nil {
				continue
			}
			_, err = cfg.Writer.Delete(key, store.Preconditions{ResourceVersion: ev.ResourceVersion})
			switch {
			case err == nil:
				deleted++
			case store.IsNotFound(err) || store.IsConflict(err):
			default:
				return deleted, err
			}
		}
		if page.Continue == "" {
			return deleted, nil
		}
		opts = store.ListOptions{Limit: 500, Continue: page.Continue}
	}
}
