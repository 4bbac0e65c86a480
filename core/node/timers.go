package node

import "github.com/capstan-dev/capstan/core/api"

// timer asks for pod p to be synced at time at. Timers are invalidated
// lazily: a popped timer counts only if it is still the pod's wake time.
type timer struct {
	at api.Time
	p  *podState
}

// timerHeap is a min-heap of timers ordered by (at, pod key), so that pods
// due at the same instant are synced in a stable order. It is written out
// rather than built on container/heap, whose interface boxes every timer
// pushed and popped.
type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return comparePods(h[i].p.pod, h[j].p.pod) < 0
}

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

// pop removes and returns the first timer.
func (h *timerHeap) pop() timer {
	s := *h
	n := len(s) - 1
	t := s[0]
	s[0] = s[n]
	s[n] = timer{}
	s = s[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return t
}

// popDue removes and returns the pods whose wake time is at or before now.
func (h *timerHeap) popDue(now api.Time) []*podState {
	var due []*podState
	for h.Len() > 0 && (*h)[0].at <= now {
		t := h.pop()
		p := t.p
		if p.forgotten || !p.hasWake || p.wake != t.at {
			continue // superseded
		}
		p.hasWake = false
		due = append(due, p)
	}
	return due
}

// comparePods orders pods by key (see compareKeys).
func comparePods(a, b *api.Pod) int {
	x, y := PodRef{a.Namespace, a.Name, a.UID}, PodRef{b.Namespace, b.Name, b.UID}
	return compareKeys(&x, &y)
}

// compareKeys orders pods by key, namespace + "/" + name + "/" + uid, as
// those strings compare, without building them: byte by byte across the
// parts and the separators.
func compareKeys(a, b *PodRef) int {
	x := [5]string{a.Namespace, "/", a.Name, "/", a.UID}
	y := [5]string{b.Namespace, "/", b.Name, "/", b.UID}
	i, j := 0, 0
	s, t := x[0], y[0]
	for {
		for s == "" && i < 4 {
			i++
			s = x[i]
		}
		for t == "" && j < 4 {
			j++
			t = y[j]
		}
		if s == "" || t == "" {
			// One key ended (its last part is exhausted).
			switch {
			case s == "" && t == "":
				return 0
			case s == "":
				return -1
			}
			return 1
		}
		n := min(len(s), len(t))
		if s[:n] != t[:n] {
			if s[:n] < t[:n] {
				return -1
			}
			return 1
		}
		s, t = s[n:], t[n:]
	}
}
