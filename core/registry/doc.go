// Package registry applies the Kubernetes API server's semantics to writes
// before they reach a store: what happens between "a client sent this
// object" and "this object is stored".
//
//	client / controller / node agent
//	        │ Create, Update, UpdateStatus, Delete, Bind   (now is an input)
//	        ▼
//	┌──────────────────────────────────────────────────────────────┐
//	│ registry                                                     │
//	│   defaulting ─▶ validation ─▶ admission (namespace exists,   │
//	│   default tolerations) ─▶ system fields (uid, timestamps,    │
//	│   generation, status reset) ─▶ graceful deletion and         │
//	│   finalizers ─▶ compare-and-swap write                       │
//	└──────────────────────────────────────────────────────────────┘
//	        │ store.Store (in memory in core/sim; etcd in server/)
//	        ▼
//	watch events ─▶ control plane, node machines, API watchers
//
// The same Registry serves the simulator (over core/store's Memory) and the
// API server (over etcd), so both store the same bytes for the same
// requests. Errors are *api.StatusError values with the Kubernetes reason
// and code (NotFound, AlreadyExists, Conflict, Invalid, Forbidden,
// BadRequest, Gone), ready to be sent as a Status.
//
// Registry is deterministic: UIDs and generated names come from a seeded
// generator kept in its state, and time is an argument of every call.
package registry
