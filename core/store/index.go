package store

import (
	"slices"
	"sort"
)

// maxBlock is the most records one block of the key index holds. Blocks
// this size keep an insert cheap (a binary search over the blocks, then a
// short copy inside one) while a scan still walks contiguous memory.
const maxBlock = 512

// keyIndex holds record ids sorted by their records' keys: a two-level
// B-tree of sorted blocks. Insert and remove cost O(log n + maxBlock +
// n/maxBlock); finding the first key at or after a prefix costs O(log n).
// Its methods take the recordTable the ids refer to.
type keyIndex struct {
	// blocks hold every indexed id in key order. A block is allocated at
	// its full capacity, so inserts never reallocate it.
	// Invariant: each block is non-empty, sorted by key, at most maxBlock
	// long, and its last key is less than the next block's first key.
	blocks [][]id
	// n is the number of ids. Invariant: the sum of len(blocks[i]).
	n int
}

// newBlock returns an empty block with room for maxBlock ids.
func newBlock() []id { return make([]id, 0, maxBlock) }

// seek returns the position (block, offset) of the first record whose key
// is >= key; (len(blocks), 0) if there is none.
func (ix *keyIndex) seek(t *recordTable, key string) (int, int) {
	b := sort.Search(len(ix.blocks), func(j int) bool {
		blk := ix.blocks[j]
		return t.at(blk[len(blk)-1]).key >= key
	})
	if b == len(ix.blocks) {
		return b, 0
	}
	blk := ix.blocks[b]
	return b, sort.Search(len(blk), func(j int) bool { return t.at(blk[j]).key >= key })
}

// insert adds record i. Its key must not be in the index already.
func (ix *keyIndex) insert(t *recordTable, i id) {
	ix.n++
	if len(ix.blocks) == 0 {
		ix.blocks = [][]id{append(newBlock(), i)}
		return
	}
	b, j := ix.seek(t, t.at(i).key)
	if b == len(ix.blocks) { // after every key: append to the last block
		b = len(ix.blocks) - 1
		j = len(ix.blocks[b])
	}
	blk := ix.blocks[b]
	if len(blk) < maxBlock {
		ix.blocks[b] = slices.Insert(blk, j, i)
		return
	}
	// Full: split it in halves, then insert into the right one.
	half := len(blk) / 2
	right := append(newBlock(), blk[half:]...)
	blk = blk[:half]
	if j <= half {
		blk = slices.Insert(blk, j, i)
	} else {
		right = slices.Insert(right, j-half, i)
	}
	ix.blocks[b] = blk
	ix.blocks = slices.Insert(ix.blocks, b+1, right)
}

// remove deletes record i, if it is indexed.
func (ix *keyIndex) remove(t *recordTable, i id) {
	b, j := ix.seek(t, t.at(i).key)
	if b == len(ix.blocks) || ix.blocks[b][j] != i {
		return
	}
	ix.n--
	blk := slices.Delete(ix.blocks[b], j, j+1)
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
func (ix *keyIndex) ascend(t *recordTable, from string, fn func(*record) bool) {
	b, j := ix.seek(t, from)
	for ; b < len(ix.blocks); b, j = b+1, 0 {
		for _, i := range ix.blocks[b][j:] {
			if !fn(t.at(i)) {
				return
			}
		}
	}
}
