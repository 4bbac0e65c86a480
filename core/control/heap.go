package control

// heapPush and heapPop are container/heap's Push and Pop, step for step
// (so items come out in the same order, ties included), on a typed slice:
// container/heap boxes every item pushed or popped in an interface, an
// allocation per pending pod and per timer.
func heapPush[H ~[]T, T any](h *H, x T, less func(a, b *T) bool) {
	*h = append(*h, x)
	s := *h
	j := len(s) - 1
	for j > 0 {
		i := (j - 1) / 2
		if i == j || !less(&s[j], &s[i]) {
			break
		}
		s[i], s[j] = s[j], s[i]
		j = i
	}
}

// heapPop removes and returns the least item. The heap must not be empty.
func heapPop[H ~[]T, T any](h *H, less func(a, b *T) bool) T {
	s := *h
	n := len(s) - 1
	s[0], s[n] = s[n], s[0]
	i := 0
	for {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 {
			break
		}
		j := j1
		if j2 := j1 + 1; j2 < n && less(&s[j2], &s[j1]) {
			j = j2
		}
		if !less(&s[j], &s[i]) {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
	x := s[n]
	var zero T
	s[n] = zero // no reference kept past the end
	*h = s[:n]
	return x
}
