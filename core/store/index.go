package store

import (
	"slices"
	"sort"
)

// maxBlock is the most records one block of the key index holds. Blocks
// this size keep an insert cheap (a binary search over the blocks, then a
// short copy inside one) while a scan still walks contiguous memory.
const maxBlock = 512

// keyIndex holds records sorted by key: a two-level B-tree of sorted
// blocks. Insert and remove cost O(log n + maxBlock + n/maxBlock); finding
// the first key at or after a prefix costs O(log n).
type keyIndex struct {
	// blocks hold every record in key order.
	// Invariant: each block is non-empty, sorted by key, at most maxBlock
	// long, and its last key is less than the next block's first key.
	blocks [][]*record
	// n is the number of records. Invariant: the sum of len(blocks[i]).
	n int
}

// seek returns the position (block, offset) of the first record whose key
// is >= key; (len(blocks), 0) if there is none.
func (ix *keyIndex) seek(key string) (int, int) {
	b := sort.Search(len(ix.blocks), func(j int) bool {
		blk := ix.blocks[j]
		return blk[len(blk)-1].key >= key
	})
	if b == len(ix.blocks) {
		return b, 0
	}
	blk := ix.blocks[b]
	return b, sort.Search(len(blk), func(j int) bool { return blk[j].key >= key })
}

// insert adds r. Its key must not be in the index already.
func (ix *keyIndex) insert(r *record) {
	ix.n++
	if len(ix.blocks) == 0 {
		ix.blocks = [][]*record{{r}}
		return
	}
	b, i := ix.seek(r.key)
	if b == len(ix.blocks) { // after every key: append to the last block
		b = len(ix.blocks) - 1
		i = len(ix.blocks[b])
	}
	blk := slices.Insert(ix.blocks[b], i, r)
	if len(blk) <= maxBlock {
		ix.blocks[b] = blk
		return
	}
	half := len(blk) / 2
	right := append(make([]*record, 0, maxBlock), blk[half:]...)
	clear(blk[half:])
	ix.blocks[b] = blk[:half]
	ix.blocks = slices.Insert(ix.blocks, b+1, right)
}

// remove deletes the record with key, if present.
func (ix *keyIndex) remove(key string) {
	b, i := ix.seek(key)
	if b == len(ix.blocks) || ix.blocks[b][i].key != key {
		return
	}
	ix.n--
	blk := slices.Delete(ix.blocks[b], i, i+1)
	switch {
	case len(blk) == 0:
		ix.blocks = slices.Delete(ix.blocks, b, b+1)
	case len(blk) < maxBlock/4 && b+1 < len(ix.blocks) && len(blk)+len(ix.blocks[b+1]) <= maxBlock/2:
		// Merge a small block into its successor's place so that deletes
		// cannot leave a long tail of tiny blocks.
		ix.blocks[b] = append(blk, ix.blocks[b+1]...)
		ix.blocks = slices.Delete(ix.blocks, b+1, b+2)
	default:
		ix.blocks[b] = blk
	}
}

// ascend calls fn for each record with key >= from, in key order, until fn
// returns false.
func (ix *keyIndex) ascend(from string, fn func(*record) bool) {
	b, i := ix.seek(from)
	for ; b < len(ix.blocks); b, i = b+1, 0 {
		for _, r := range ix.blocks[b][i:] {
			if !fn(r) {
				return
			}
		}
	}
}
