package explore

import (
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/model"
)

// GarbageCollected (liveness, checked at leaves of fault-free
// configurations over every object of the store): once nothing is left to
// do, deletions have finished. Like VolumesSettle it is the explorer's
// own, model/ having no liveness property for the garbage collector.
//
//   - No object is still being deleted (deletionTimestamp set): its
//     finalizers were handled, its containers stopped.
//   - No object has owner references all of whose owners are gone (by
//     uid): the garbage collector deletes an object once none of its
//     owners is left, however late it learnt of it (an object created
//     for an owner already deleted included).
func GarbageCollected(objs []api.Object) []model.Violation {
	var out []model.Violation
	uids := map[string]bool{}
	for _, o := range objs {
		uids[o.GetObjectMeta().UID] = true
	}
	for _, o := range objs {
		m := o.GetObjectMeta()
		name := o.GetTypeMeta().Kind + " " + m.Name
		if m.Namespace != "" {
			name = o.GetTypeMeta().Kind + " " + m.Namespace + "/" + m.Name
		}
		if m.DeletionTimestamp != nil {
			out = append(out, model.Violation{Invariant: "GarbageCollected", Object: name,
				Message: "still being deleted, finalizers [" + strings.Join(m.Finalizers, " ") + "]"})
		}
		if len(m.OwnerReferences) == 0 {
			continue
		}
		alive := false
		var owners []string
		for _, r := range m.OwnerReferences {
			alive = alive || uids[r.UID]
			owners = append(owners, r.Kind+" "+r.Name)
		}
		if !alive {
			out = append(out, model.Violation{Invariant: "GarbageCollected", Object: name,
				Message: "every owner is gone (" + strings.Join(owners, ", ") + ")"})
		}
	}
	return out
}
