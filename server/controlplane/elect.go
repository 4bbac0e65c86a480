package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// ElectionConfig configures Lead.
type ElectionConfig struct {
	// Client is the etcd client to campaign with. Closing it is how a
	// crash looks to the others: the session's lease is not revoked, so
	// they take over once its TTL has run out.
	Client *clientv3.Client
	// Key is the election's key prefix in etcd, e.g.
	// "/capstan/controlplane-leader" (under the server's etcd prefix).
	Key string
	// TTL is the session lease's time to live: how long the others wait
	// for a leader that stopped renewing it (default 15s; whole seconds,
	// at least 1).
	TTL time.Duration
	// Identity is the value of this server's campaign key, for people
	// (hostname, address, process id).
	Identity string
	// Clock times the backoff between failed campaigns.
	Clock   clockwork.Clock
	Logger  *slog.Logger
	Metrics *Metrics
}

// Term is one leadership term: what a writer needs to make its writes
// conditional on still being the leader.
type Term struct {
	// Key is this server's election key and Rev its create revision: the
	// term holds while etcd has Key with that CreateRevision.
	Key string
	Rev int64
	// Session is the session the term belongs to (its lease).
	Session *concurrency.Session
}

// StillLeader is the compare that holds in etcd only during the term.
func (t Term) StillLeader() clientv3.Cmp {
	return clientv3.Compare(clientv3.CreateRevision(t.Key), "=", t.Rev)
}

// Lead campaigns for leadership until ctx ends, and calls lead with a
// context that ends as soon as the term does (the session is lost, or ctx
// ends) every time this server wins. When ctx ends during a term, lead
// returns and Lead resigns and revokes the session, so another server
// takes over at once. A lost session (lease expired, client closed, etcd
// unreachable for a TTL) makes Lead campaign again with a new session; an
// error from lead does too, after the same backoff as a failed campaign,
// except ErrFenced which only ends the term. Lead returns nil when ctx
// ends.
func Lead(ctx context.Context, cfg ElectionConfig, lead func(ctx context.Context, t Term) error) error {
	if cfg.Client == nil || cfg.Key == "" {
		return errors.New("controlplane: election needs a Client and a Key")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 15 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ttl := max(1, int((cfg.TTL+time.Second-1)/time.Second))
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := campaign(ctx, cfg, ttl, lead)
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			backoff = 100 * time.Millisecond
			continue
		}
		cfg.Logger.Warn("leader election: retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
		case <-cfg.Clock.After(backoff):
		}
		backoff = min(2*backoff, cfg.TTL)
	}
	return nil
}

// campaign is one session: campaign, lead while the term lasts, end the
// session. nil means the term ended with the session (campaign again).
func campaign(ctx context.Context, cfg ElectionConfig, ttl int, lead func(context.Context, Term) error) error {
	gctx, gcancel := context.WithTimeout(ctx, cfg.TTL)
	granted := cfg.Clock.Now() // the lease lives at least TTL from here
	lease, err := cfg.Client.Grant(gctx, int64(ttl))
	gcancel()
	if err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	// The session is not tied to ctx, so that at shutdown it can still
	// resign and revoke its lease.
	s, err := concurrency.NewSession(cfg.Client, concurrency.WithLease(lease.ID), concurrency.WithTTL(ttl))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	// The term's context ends with ctx, or when the session's lease is no
	// longer renewed (which also ends a campaign stuck waiting for the
	// previous leader).
	cctx, cancel := context.WithCancel(s.Ctx())
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if err := watchLease(cctx, cancel, cfg, lease.ID, granted, time.Duration(ttl)*time.Second); err != nil {
		s.Close()
		return fmt.Errorf("keep-alive: %w", err)
	}
	e := concurrency.NewElection(s, cfg.Key)
	if err := e.Campaign(cctx, cfg.Identity); err != nil {
		s.Close()
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("campaign: %w", err)
	}
	term := Term{Key: e.Key(), Rev: e.Rev(), Session: s}
	cfg.Logger.Info("leader election: leading", "identity", cfg.Identity, "key", term.Key, "rev", term.Rev)
	cfg.Metrics.SetLeader(true)
	err = lead(cctx, term)
	cancel()
	cfg.Metrics.SetLeader(false)
	if ctx.Err() != nil {
		// Shutdown: hand over at once.
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		if rerr := e.Resign(rctx); rerr != nil {
			cfg.Logger.Warn("leader election: resign failed; the others wait out the TTL", "err", rerr)
		}
		rcancel()
		s.Close()
		cfg.Logger.Info("leader election: resigned")
		return nil
	}
	select {
	case <-s.Done():
		cfg.Logger.Warn("leader election: session lost; stopped leading", "identity", cfg.Identity)
	default:
	}
	s.Close()
	if err != nil && !errors.Is(err, ErrFenced) {
		return err
	}
	return nil
}

// watchLease ends the term (cancel) when the session's lease may have
// expired in etcd, by this process's clock, even if the client has not
// noticed yet: a keep-alive request is sent only after the previous
// response arrived, so etcd renewed the lease no earlier than that arrival,
// and it lives at least ttl from the arrival of the next-to-last response
// (or from the Grant's request before any). The deadline is taken 10%
// short of ttl for clock-rate differences. Normally responses come every
// ttl/3 and the deadline is never reached; it fires for a process that
// was paused or cut off from etcd.
func watchLease(ctx context.Context, cancel context.CancelFunc, cfg ElectionConfig, id clientv3.LeaseID, granted time.Time, ttl time.Duration) error {
	ka, err := cfg.Client.KeepAlive(ctx, id)
	if err != nil {
		return err
	}
	safe := ttl - ttl/10
	go func() {
		defer cancel()
		prev := granted
		timer := cfg.Clock.NewTimer(safe - cfg.Clock.Since(prev))
		defer timer.Stop()
		for {
			select {
			case _, ok := <-ka:
				if !ok {
					return // the lease is gone, or ctx ended
				}
				now := cfg.Clock.Now()
				timer.Reset(safe - now.Sub(prev))
				prev = now
			case <-timer.Chan():
				cfg.Logger.Warn("leader election: no lease renewal for too long; stopping before the lease can expire", "ttl", ttl)
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return nil
}
