package controlplane

import (
	"context"
	"errors"
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// guard is the store the writers' registries write through: Config.Writer
// with the loop's own fence. Once the term's context has ended it refuses
// every write without sending it; when the Writer refuses one for lost
// leadership (ErrFenced in the error chain, which the registry would turn
// into a plain internal error) it marks the writers fenced and ends the
// term, so no further write starts.
type guard struct {
	store.Store
	ctx context.Context
	w   *writers
}

func (g *guard) check() error {
	if err := g.ctx.Err(); err != nil {
		return fmt.Errorf("control plane stopped (%w): %w", err, ErrFenced)
	}
	return nil
}

func (g *guard) result(obj api.Object, err error) (api.Object, error) {
	if err != nil && errors.Is(err, ErrFenced) {
		if !g.w.fenced.Swap(true) {
			g.w.cfg.Logger.Warn("control plane: write refused, no longer the leader; stopping", "err", err)
		}
		g.w.cancel()
	}
	return obj, err
}

func (g *guard) Create(obj api.Object) (api.Object, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	return g.result(g.Store.Create(obj))
}

func (g *guard) Update(obj api.Object) (api.Object, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	return g.result(g.Store.Update(obj))
}

func (g *guard) Delete(key string, pre store.Preconditions) (api.Object, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	return g.result(g.Store.Delete(key, pre))
}

// Compact is not the control plane's business.
func (g *guard) Compact(int64) error {
	return errors.New("controlplane: the control plane does not compact")
}
