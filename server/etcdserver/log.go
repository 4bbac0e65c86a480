package etcdserver

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"

	"go.uber.org/zap/zapcore"
)

// slogCore is a zapcore.Core that hands zap's entries to a slog.Handler, so
// that etcd's zap logs end up wherever the embedding process logs.
type slogCore struct {
	h slog.Handler
	// min is the least severe level passed on.
	min slog.Level
	// closing is set when the member is being stopped: from then on
	// entries count as info at most, since etcd reports its listeners
	// closing as errors.
	closing *atomic.Bool
}

func newSlogCore(h slog.Handler, min slog.Level, closing *atomic.Bool) zapcore.Core {
	return &slogCore{h: h, min: min, closing: closing}
}

// level returns the slog level of an entry at zap level l.
func (c *slogCore) level(l zapcore.Level) slog.Level {
	sl := slogLevel(l)
	if sl > slog.LevelInfo && c.closing.Load() {
		sl = slog.LevelInfo
	}
	return sl
}

// benign are messages etcd logs as errors that are not: they are logged at
// info instead.
var benign = map[string]bool{
	// A fresh member's storage has no raft term until its first apply;
	// etcd tries again later and succeeds.
	"failed to update storage version": true,
}

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

func (c *slogCore) Enabled(l zapcore.Level) bool {
	sl := c.level(l)
	return sl >= c.min && c.h.Enabled(context.Background(), sl)
}

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{h: c.h.WithAttrs(attrs(fields)), min: c.min, closing: c.closing}
}

func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if benign[e.Message] && e.Level > zapcore.InfoLevel {
		e.Level = zapcore.InfoLevel
	}
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	r := slog.NewRecord(e.Time, c.level(e.Level), e.Message, 0)
	r.AddAttrs(attrs(fields)...)
	if e.LoggerName != "" {
		r.AddAttrs(slog.String("logger", e.LoggerName))
	}
	return c.h.Handle(context.Background(), r)
}

func (c *slogCore) Sync() error { return nil }

// attrs converts zap fields to slog attributes, sorted by key.
func attrs(fields []zapcore.Field) []slog.Attr {
	if len(fields) == 0 {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]slog.Attr, len(keys))
	for i, k := range keys {
		out[i] = slog.Any(k, enc.Fields[k])
	}
	return out
}
