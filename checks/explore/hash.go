package explore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// StateHash identifies a state of the world: two states with the same
// hash are taken to be the same and explored once.
type StateHash [16]byte

// Hash returns the state's identity: the clock (since the start), the
// store's objects, every queue (control-plane watch, outbox, node
// watches, outstanding runtime actions), each machine's Describe and the
// control plane's next timer, and the fault's progress.
//
// ResourceVersions are left out of objects: interleavings that make the
// same writes in another order reach the same objects under different
// revisions, and nothing the machines do depends on a revision's value,
// only on whether it is the latest for its key, which the queues already
// say (a consumer's view is the store less its queue). A write waiting in
// the outbox keeps that bit: whether its expected resourceVersion is the
// stored one.
func (w *World) Hash() StateHash {
	h := sha256.New()
	var buf [8]byte
	num := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.Write([]byte(s))
	}
	num(int64(w.now - w.start))
	flags := int64(0)
	if w.faulted {
		flags |= 1
	}
	if w.healed {
		flags |= 2
	}
	if w.acted {
		flags |= 4
	}
	num(flags)
	objs := w.Objects()
	num(int64(len(objs)))
	for _, o := range objs {
		w.writeObject(h, o)
	}
	num(int64(len(w.cpq)))
	for _, ev := range w.cpq {
		w.writeEvent(h, ev)
	}
	num(int64(len(w.outbox)))
	for _, pw := range w.outbox {
		num(int64(pw.w.Op))
		str(pw.w.Key + " " + pw.w.Node + " " + pw.w.Controller + " " + pw.w.Reason)
		if pw.w.Object != nil {
			w.writeObject(h, pw.w.Object)
			current := "stale"
			if cur, err := w.mem.Get(pw.w.Key); err == nil &&
				cur.GetObjectMeta().ResourceVersion == pw.w.Object.GetObjectMeta().ResourceVersion {
				current = "current"
			}
			str(current)
		}
	}
	str(w.cp.Describe())
	if t, ok := w.cp.NextTimer(); ok {
		num(int64(t - w.start))
	} else {
		num(-1)
	}
	for _, n := range w.nodes {
		switch {
		case n.m == nil:
			str("crashed")
			continue
		case n.partitioned:
			str("partitioned")
		default:
			str("up")
		}
		num(int64(n.ticked - w.start))
		str(n.m.Describe())
		num(int64(len(n.q)))
		for _, ev := range n.q {
			w.writeEvent(h, ev)
		}
		num(int64(len(n.rt)))
		for _, a := range n.rt {
			str(a.Describe())
		}
	}
	var out StateHash
	copy(out[:], h.Sum(nil))
	return out
}

// writeEvent hashes a watch event without its revision.
func (w *World) writeEvent(h hash.Hash, ev store.Event) {
	h.Write([]byte(ev.Type))
	h.Write([]byte(ev.Key))
	// Whether the object was bound before decides Added or Updated for
	// a node.
	if p, ok := ev.PrevObject.(*api.Pod); ok && p != nil && p.Spec.NodeName != "" {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	w.writeObject(h, ev.Object)
}

var rvField = []byte(`"resourceVersion":"`)

// writeObject hashes the digest of an object.
func (w *World) writeObject(h hash.Hash, o api.Object) {
	d := w.digest(o)
	h.Write(d[:])
}

// digest returns the sha256 of an object's JSON without its
// resourceVersion. A world is deterministic, so an object is known by its
// key and revision among the worlds replaying one path: objects written
// during Setup are cached for every replay (Config.digests, shared by the
// explorer's workers), those written up to revision memoRev in memo (the
// children of one state share its prefix).
func (w *World) digest(o api.Object) [32]byte {
	m := o.GetObjectMeta()
	rev, err := store.ParseResourceVersion("", m.ResourceVersion)
	global := w.exploring && err == nil && rev <= w.setupRev
	local := !global && w.memo != nil && err == nil && rev <= w.memoRev
	var k digestKey
	if global || local {
		k = digestKey{kind: o.GetTypeMeta().Kind, ns: m.Namespace, name: m.Name, rev: rev}
	}
	if global {
		if d, ok := w.cfg.digests.Load(k); ok {
			return d.([32]byte)
		}
	}
	if local {
		if d, ok := w.memo[k]; ok {
			return d
		}
	}
	b, err := api.Encode(o)
	must(err)
	h := sha256.New()
	for {
		i := bytes.Index(b, rvField)
		if i < 0 {
			break
		}
		j := i + len(rvField)
		for j < len(b) && b[j] != '"' {
			j++
		}
		h.Write(b[:i])
		b = b[j+1:]
	}
	h.Write(b)
	var d [32]byte
	copy(d[:], h.Sum(nil))
	switch {
	case global:
		w.cfg.digests.Store(k, d)
	case local:
		w.memo[k] = d
	}
	return d
}

type digestKey struct {
	kind, ns, name string
	rev            int64
}
