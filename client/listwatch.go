package client

import (
	"context"
	"errors"

	"github.com/capstan-dev/capstan/core/api"
)

// ErrStopWatching, returned by a ListWatch handler, ends the ListWatch
// without an error.
var ErrStopWatching = errors.New("stop watching")

// ListWatch lists a kind (every page), hands the list to onList, then
// watches from the list's resourceVersion and hands each event to onEvent,
// until ctx ends (it returns ctx's error) or a handler returns an error (it
// returns that, or nil for ErrStopWatching). When the server says the
// version is too old (410), it lists again and hands the new list to
// onList, which should then replace whatever it built from the old one:
// events between the two lists are not replayed.
func (c *Client) ListWatch(ctx context.Context, kind, namespace string, opts ListOptions,
	onList func(*List) error, onEvent func(Event) error) error {
	err := c.listWatch(ctx, kind, namespace, opts, onList, onEvent)
	if errors.Is(err, ErrStopWatching) {
		return nil
	}
	return err
}

func (c *Client) listWatch(ctx context.Context, kind, namespace string, opts ListOptions,
	onList func(*List) error, onEvent func(Event) error) error {
	for {
		lopts := opts
		lopts.ResourceVersion, lopts.TimeoutSeconds = "", 0
		if lopts.Limit == 0 {
			lopts.Limit = 500
		}
		l, err := c.ListAll(ctx, kind, namespace, lopts)
		if err != nil {
			return err
		}
		if err := onList(l); err != nil {
			return err
		}
		wopts := opts
		wopts.ResourceVersion, wopts.Limit, wopts.Continue = l.ResourceVersion, 0, ""
		w, err := c.Watch(ctx, kind, namespace, wopts)
		if err != nil {
			return err
		}
		err = func() error {
			defer w.Stop()
			for {
				ev, err := w.Next()
				if err != nil {
					return err
				}
				if err := onEvent(ev); err != nil {
					return err
				}
			}
		}()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !isExpired(err) {
			return err
		}
	}
}

// isExpired reports whether a watch ended because its version is too old.
func isExpired(err error) bool { return api.IsResourceExpired(err) || api.IsGone(err) }
