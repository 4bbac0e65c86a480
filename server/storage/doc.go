// Package storage is the seam between the API server (and the control-plane
// loop) and the store underneath it: core/store's Store, made safe for
// concurrent use, plus watches that a goroutine can block on.
//
//	server/apiserver, server control loop
//	        │ Backend (store.Store + WatchStream)
//	        ▼
//	┌──────────────────────┐     ┌──────────────────────────────┐
//	│ Locked (this package)│ or  │ server/etcdstore (etcd v3)   │
//	│ core/store.Memory    │     │ embedded or external cluster │
//	│ behind a mutex       │     └──────────────────────────────┘
//	└──────────────────────┘
//
// core/store stays pure: no locks, no channels, pull-based watchers. This
// package adds what a server needs around it and nothing else; both
// implementations must pass checks/storecontract.
package storage
