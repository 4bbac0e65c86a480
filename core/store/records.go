package store

import (
	"math/bits"

	"github.com/capstan-dev/capstan/core/api"
)

// record is the latest state of one key. Its older versions are not kept
// here: the write log holds every write since the last compaction with
// the state before it, and at walks back through them.
type record struct {
	// key is the record's key, shared by the index, the log's events and
	// the hash table; "" for a free id.
	key string
	// rev is the revision of the key's last write: its modRevision, or
	// the deletion revision of a tombstone. 0 for a record that is no
	// longer in the table (free, or retired: see Memory.retired).
	rev int64
	// obj is the current object, with resourceVersion == rev; nil if the
	// key was deleted at rev (a tombstone). Never mutated once stored.
	obj api.Object
}

// id names a record: its position in the table's dense array. Log
// entries and the index refer to records by id (4 bytes, not a pointer
// to a separate allocation).
type id = int32

// recordTable holds the records in a dense array of fixed-size chunks
// (growing never copies what is there), with an open-addressing hash
// table from key to id, and a free list of the ids of removed records.
//
// Per key it costs the key string, the 40-byte record and about 14 bytes
// of hash table: no allocation per record, no map entry.
type recordTable struct {
	// chunks hold the records; id i is chunks[i/recChunk][i%recChunk].
	// Invariant: every chunk is recChunk long; ids >= next are zero.
	chunks [][]record
	// next is the first id never handed out.
	next id
	// free are the ids of removed records, reused before new ones.
	// Invariant: each has key "" and is in no slot.
	free []id
	// slots is the hash table, linear probing: 0 is empty; otherwise the
	// high 32 bits are the key's hash tag (hashKey's low half, whose low
	// bits are also its home slot: growing and removing read no record)
	// and the low 32 bits are id+1. Its length is a power of two, at most
	// 2^32.
	// Invariant: every record with rev != 0 is in exactly one slot,
	// reachable from its hash without crossing an empty slot.
	slots []uint64
	// n is the number of occupied slots.
	// Invariant: n <= len(slots)*maxLoad.
	n int
	// last is the id find returned last: a write reads its key two or
	// three times in a row (the registry's read, the store's
	// compare-and-swap, the simulator's status read), and comparing with
	// the record just used costs less than probing the table. It may name
	// any id below next; find checks the record.
	last id
}

// recChunk is the number of records in a chunk (40 KiB).
const recChunk = 1024

// The hash table grows when more than 3/4 of its slots are occupied.
const (
	maxLoadNum = 3
	maxLoadDen = 4
)

// at returns the record with id i.
func (t *recordTable) at(i id) *record { return &t.chunks[i/recChunk][i%recChunk] }

// len returns the number of records in the hash table.
func (t *recordTable) len() int { return t.n }

// find returns the id of the record with key, or -1. key is a string or
// bytes, so that a caller can look up a key it built on the stack.
func find[K ~string | ~[]byte](t *recordTable, key K) id {
	if t.n == 0 {
		return -1
	}
	if r := t.at(t.last); r.rev != 0 && r.key == string(key) {
		return t.last
	}
	tag := hashKey(key) & tagMask
	mask := uint64(len(t.slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if s>>32 == tag {
			if i := id(uint32(s)) - 1; t.at(i).key == string(key) {
				t.last = i
				return i
			}
		}
	}
}

// add makes a record for key, which must not be in the table, and
// returns its id.
func (t *recordTable) add(key string) id {
	if (t.n+1)*maxLoadDen > len(t.slots)*maxLoadNum {
		t.grow()
	}
	var i id
	if k := len(t.free); k > 0 {
		i = t.free[k-1]
		t.free = t.free[:k-1]
	} else {
		if int(t.next)%recChunk == 0 {
			t.chunks = append(t.chunks, make([]record, recChunk))
		}
		i = t.next
		t.next++
	}
	t.at(i).key = key
	t.place(hashKey(key)&tagMask<<32 | uint64(uint32(i+1)))
	t.n++
	return i
}

// tagMask selects a hash's tag.
const tagMask = 1<<32 - 1

// home returns the first slot of the probe sequence of slot value s.
func (t *recordTable) home(s uint64) uint64 { return s >> 32 & uint64(len(t.slots)-1) }

// place puts slot value s in the first empty slot of its probe sequence.
func (t *recordTable) place(s uint64) {
	mask := uint64(len(t.slots) - 1)
	j := t.home(s)
	for t.slots[j] != 0 {
		j = (j + 1) & mask
	}
	t.slots[j] = s
}

// grow doubles the hash table (it starts at 64 slots). The tags say
// where each record goes: no key is read.
func (t *recordTable) grow() {
	old := t.slots
	t.slots = make([]uint64, max(64, 2*len(old)))
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}

// remove takes the record with id i out of the hash table (its id is not
// reused until release).
func (t *recordTable) remove(i id) {
	mask := uint64(len(t.slots) - 1)
	j := hashKey(t.at(i).key) & mask
	for uint32(t.slots[j]) != uint32(i+1) {
		j = (j + 1) & mask
	}
	// Backward-shift deletion: move later entries of the run into the hole
	// when their home slot allows it, so that no lookup crosses an empty
	// slot it should not.
	for k := (j + 1) & mask; t.slots[k] != 0; k = (k + 1) & mask {
		home := t.home(t.slots[k])
		// The entry at k may move to j unless its home lies cyclically in (j, k].
		if (k-home)&mask >= (k-j)&mask {
			t.slots[j] = t.slots[k]
			j = k
		}
	}
	t.slots[j] = 0
	t.n--
	t.at(i).rev = 0
}

// release frees the id of a removed record for reuse, and drops what it
// references.
func (t *recordTable) release(i id) {
	*t.at(i) = record{}
	t.free = append(t.free, i)
}

// Constants of hashKey (wyhash's).
const (
	hashK0 = 0xa0761d6478bd642f
	hashK1 = 0xe7037ed1a0b428db
	hashK2 = 0x8ebc6af09c88c6e3
)

// hashKey hashes a key 8 bytes at a time, folding 128-bit products as
// wyhash does. It is fixed (no per-process seed, which core may not
// have): keys come from API object names, and only this table's lookup
// cost, never an output, depends on it.
func hashKey[K ~string | ~[]byte](k K) uint64 {
	h := uint64(len(k)) ^ hashK0
	i := 0
	for ; i+8 <= len(k); i += 8 {
		_ = k[i+7]
		w := uint64(k[i]) | uint64(k[i+1])<<8 | uint64(k[i+2])<<16 | uint64(k[i+3])<<24 |
			uint64(k[i+4])<<32 | uint64(k[i+5])<<40 | uint64(k[i+6])<<48 | uint64(k[i+7])<<56
		h = mix(w^hashK1, h^hashK2)
	}
	var w uint64
	for s := 0; i < len(k); i, s = i+1, s+8 {
		w |= uint64(k[i]) << s
	}
	return mix(w^hashK1, h^hashK0)
}

// mix folds the 128-bit product of a and b.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
