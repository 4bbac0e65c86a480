package agent

import "sync"

// serial runs functions one at a time per key, in the order given, and
// different keys in parallel, at most limit at once.
type serial struct {
	sem chan struct{}

	mu     sync.Mutex
	queues map[string][]func()
	wg     sync.WaitGroup
}

func newSerial(limit int) *serial {
	return &serial{sem: make(chan struct{}, limit), queues: map[string][]func(){}}
}

// do queues f under key. It never blocks.
func (s *serial) do(key string, f func()) {
	s.mu.Lock()
	q, busy := s.queues[key]
	s.queues[key] = append(q, f)
	s.mu.Unlock()
	if busy {
		return
	}
	s.wg.Add(1)
	go s.drain(key)
}

func (s *serial) drain(key string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		f := q[0]
		s.queues[key] = q[1:]
		s.mu.Unlock()
		s.sem <- struct{}{}
		f()
		<-s.sem
	}
}

// wait waits for every queued function to have run.
func (s *serial) wait() { s.wg.Wait() }
