package agent

import (
	"sync"

	"github.com/capstan-dev/capstan/core/node"
)

// inbox is the machine's unbounded input queue: producers (watches,
// workers, the runtime's exit watchers) never block, so the loop that
// feeds the machine can never deadlock with them.
type inbox struct {
	mu     sync.Mutex
	queue  []node.Input
	notify chan struct{} // holds a token while the queue is not empty
}

func newInbox() *inbox { return &inbox{notify: make(chan struct{}, 1)} }

func (b *inbox) put(in node.Input) {
	b.mu.Lock()
	b.queue = append(b.queue, in)
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// take returns everything queued, in order.
func (b *inbox) take() []node.Input {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue
	b.queue = nil
	return q
}
