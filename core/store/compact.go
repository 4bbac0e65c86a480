package store

// Compact implements Store. It costs O(writes being compacted): only keys
// written before rev can have history to drop, and the log says which.
func (m *Memory) Compact(rev int64) error {
	switch {
	case rev <= 0:
		return newError(BadRequest, "", "invalid compaction revision %d", rev)
	case rev > m.rev:
		return newError(BadRequest, "", "compaction revision %d is a future revision (current %d)", rev, m.rev)
	case rev <= m.compacted:
		return newError(Compacted, "", "revision %d has been compacted (compacted at %d)", rev, m.compacted)
	}
	if n := rev - m.logStart; n >= 0 {
		// Visit the keys written at revisions logStart..rev: every key
		// with a version that a read at rev or later can no longer see.
		for i := 0; i <= int(n); i++ {
			key := m.log.at(i).key
			if r := m.records[key]; r != nil && r.compact(rev) {
				delete(m.records, key)
				m.index.remove(key)
			}
		}
		// Drop the log before rev (cleared, so that the dropped objects
		// can be freed).
		m.log.dropFront(int(n))
		m.logStart = rev
	}
	m.compacted = rev
	return nil
}
