// Package linearize is the porcupine model of capstan's store: each key a
// register with resourceVersion compare-and-swap (StoreModel), and
// ListsConsistent for what a per-key model cannot see (the revision order
// across keys, lists at a revision). It lives apart from package model so
// that model, which the playground compiles to WebAssembly, does not pull
// porcupine in.
package linearize

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/capstan-dev/capstan/model"
)

// StoreInput is one call to the store in a porcupine history: a
// single-key operation on a register with resourceVersion
// compare-and-swap.
type StoreInput struct {
	// Op is "create", "get", "update" or "delete".
	Op  string
	Key string
	// Value is what create and update write.
	Value string
	// RV is the resourceVersion precondition of update and delete; 0 for
	// none (unconditional).
	RV int64
}

// StoreOutput is what the call returned.
type StoreOutput struct {
	// Code is "" on success, else the store's error code (model.CodeNotFound,
	// model.CodeAlreadyExists, model.CodeConflict, ...).
	Code string
	// Value is what get read.
	Value string
	// RV is, for get, the modRevision read; for a successful write, the
	// revision of the write.
	RV int64
}

// registerState is one key's state in the porcupine model.
type registerState struct {
	Exists bool
	Value  string
	Rev    int64 // modRevision while Exists
	// Last is the revision of the key's last write (its deletion, when
	// absent): every later write to the key has a greater revision.
	Last int64
}

// StoreModel is the porcupine model of the store, partitioned by key: each
// key is a register with resourceVersion compare-and-swap, and the
// history is linearizable if and only if every key's is.
//
//	create(k, v)      absent: ok, rev > last;       present: AlreadyExists
//	get(k)            present: (value, modRev);     absent: NotFound
//	update(k, v, rv)  absent: NotFound; rv set and ≠ modRev: Conflict;
//	                  else ok, rev > last
//	delete(k, rv)     absent: NotFound; rv set and ≠ modRev: Conflict;
//	                  else ok, rev > last
//
// The revision a write gets is only known to grow per key: the global
// order of revisions across keys, and lists at a revision, are checked by
// ListsConsistent. Every other outcome (a BadRequest, a timeout) is
// illegal: histories hold only calls whose outcome is known.
var StoreModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(StoreInput).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		slices.Sort(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return registerState{} },
	Step: func(state, input, output any) (bool, any) {
		return stepRegister(state.(registerState), input.(StoreInput), output.(StoreOutput))
	},
	DescribeOperation: func(input, output any) string {
		return DescribeStoreOperation(input.(StoreInput), output.(StoreOutput))
	},
	DescribeState: func(state any) string {
		s := state.(registerState)
		if !s.Exists {
			return fmt.Sprintf("absent (last write %d)", s.Last)
		}
		return fmt.Sprintf("%q @%d", s.Value, s.Rev)
	},
}

// stepRegister is the sequential specification of one key.
func stepRegister(s registerState, in StoreInput, out StoreOutput) (bool, registerState) {
	switch in.Op {
	case "create":
		if s.Exists {
			return out.Code == model.CodeAlreadyExists, s
		}
		if out.Code != "" || out.RV <= s.Last {
			return false, s
		}
		return true, registerState{Exists: true, Value: in.Value, Rev: out.RV, Last: out.RV}
	case "get":
		if !s.Exists {
			return out.Code == model.CodeNotFound, s
		}
		return out.Code == "" && out.Value == s.Value && out.RV == s.Rev, s
	case "update", "delete":
		switch {
		case !s.Exists:
			return out.Code == model.CodeNotFound, s
		case in.RV != 0 && in.RV != s.Rev:
			return out.Code == model.CodeConflict, s
		case out.Code != "" || out.RV <= s.Last:
			return false, s
		case in.Op == "update":
			return true, registerState{Exists: true, Value: in.Value, Rev: out.RV, Last: out.RV}
		}
		return true, registerState{Last: out.RV}
	}
	return false, s
}

// DescribeStoreOperation returns stable text for one call, such as
// `update(/registry/configmaps/a/x, "2", rv=5) -> ok @7` or
// `get(/registry/configmaps/a/x) -> NotFound`.
func DescribeStoreOperation(in StoreInput, out StoreOutput) string {
	var b strings.Builder
	b.WriteString(in.Op + "(" + in.Key)
	if in.Op == "create" || in.Op == "update" {
		fmt.Fprintf(&b, ", %q", in.Value)
	}
	if in.RV != 0 {
		fmt.Fprintf(&b, ", rv=%d", in.RV)
	}
	b.WriteString(") -> ")
	switch {
	case out.Code != "":
		b.WriteString(out.Code)
	case in.Op == "get":
		fmt.Fprintf(&b, "%q @%d", out.Value, out.RV)
	default:
		fmt.Fprintf(&b, "ok @%d", out.RV)
	}
	return b.String()
}

// ListCall is one List in a history: when it was called and returned
// (the same clock as the porcupine operations), what it asked and what it
// read.
type ListCall struct {
	ClientID     int
	Call, Return int64
	Prefix       string
	// AtLatest: the list asked for the latest revision (Revision 0), so
	// its revision must fall within its call.
	AtLatest bool
	// Revision is the revision the list says it read at.
	Revision int64
	// Entries are what it returned, in order.
	Entries []model.KVEntry
}

// ListsConsistent checks what StoreModel leaves out: the revision order
// across keys, and lists. history holds every write made to the keys the
// lists cover (StoreModel operations), and the store had no other writer.
//
//   - successful writes have distinct revisions, and a write that returned
//     before another was called has the smaller revision (the revision is
//     one linearizable counter);
//   - a list at revision R returns exactly the entries (key, value,
//     modRevision) that replaying the successful writes with revision <= R
//     in revision order leaves under its prefix, sorted by key;
//   - a list at the latest revision reads at an R no older than any write
//     that returned before the list was called, and sees no write called
//     after the list returned.
func ListsConsistent(history []porcupine.Operation, lists []ListCall) []model.Violation {
	var out []model.Violation
	bad := func(object, format string, args ...any) {
		out = append(out, model.Violation{Invariant: "ListsConsistent", Object: object, Message: fmt.Sprintf(format, args...)})
	}
	var writes []porcupine.Operation
	for _, op := range history {
		in, o := op.Input.(StoreInput), op.Output.(StoreOutput)
		if in.Op != "get" && o.Code == "" {
			writes = append(writes, op)
		}
	}
	slices.SortStableFunc(writes, func(a, b porcupine.Operation) int {
		return compareInt(a.Output.(StoreOutput).RV, b.Output.(StoreOutput).RV)
	})
	for i := 1; i < len(writes); i++ {
		a, b := writes[i-1], writes[i]
		if ra, rb := a.Output.(StoreOutput).RV, b.Output.(StoreOutput).RV; ra == rb {
			bad("revision "+strconv.FormatInt(ra, 10), "two writes: %s and %s", describeOp(a), describeOp(b))
		}
	}
	for _, a := range writes {
		for _, b := range writes {
			if a.Return < b.Call && a.Output.(StoreOutput).RV > b.Output.(StoreOutput).RV {
				bad("revision "+strconv.FormatInt(a.Output.(StoreOutput).RV, 10), "%s returned before %s was called, with a greater revision", describeOp(a), describeOp(b))
			}
		}
	}
	for _, l := range lists {
		name := fmt.Sprintf("list %s @%d (client %d, [%d, %d])", l.Prefix, l.Revision, l.ClientID, l.Call, l.Return)
		state := map[string]model.KVEntry{}
		for _, w := range writes {
			in, o := w.Input.(StoreInput), w.Output.(StoreOutput)
			if o.RV > l.Revision {
				break
			}
			if in.Op == "delete" {
				delete(state, in.Key)
			} else {
				state[in.Key] = model.KVEntry{Key: in.Key, Value: in.Value, ModRevision: o.RV}
			}
		}
		var want []model.KVEntry
		for k, e := range state {
			if strings.HasPrefix(k, l.Prefix) {
				want = append(want, e)
			}
		}
		slices.SortFunc(want, func(a, b model.KVEntry) int { return strings.Compare(a.Key, b.Key) })
		got := make([]model.KVEntry, len(l.Entries))
		for i, e := range l.Entries {
			got[i] = model.KVEntry{Key: e.Key, Value: e.Value, ModRevision: e.ModRevision}
		}
		if !slices.Equal(got, want) {
			bad(name, "read %s, want %s", describeEntries(got), describeEntries(want))
		}
		if !l.AtLatest {
			continue
		}
		for _, w := range writes {
			rv := w.Output.(StoreOutput).RV
			if w.Return < l.Call && rv > l.Revision {
				bad(name, "misses %s, which returned before the list was called", describeOp(w))
			}
			if w.Call > l.Return && rv <= l.Revision {
				bad(name, "sees %s, which was called after the list returned", describeOp(w))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b model.Violation) int {
		if c := strings.Compare(a.Object, b.Object); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return out
}

func describeOp(op porcupine.Operation) string {
	return fmt.Sprintf("client %d [%d, %d] %s", op.ClientId, op.Call, op.Return, DescribeStoreOperation(op.Input.(StoreInput), op.Output.(StoreOutput)))
}

func describeEntries(es []model.KVEntry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = fmt.Sprintf("%s=%q@%d", e.Key, e.Value, e.ModRevision)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
