// Package nodee2e holds the node agent's end-to-end tests: real agents
// (nodeagent/agenttest: a private containerd, real pod networks) against
// the real API server (server/apiserver's REST handler on loopback, the
// control-plane loop of server/controlplane: scheduler, ReplicaSet and
// Deployment controllers, node lifecycle and taint eviction) through the
// REST client, as `capstan agent` runs. Storage is server/storage's
// in-memory backend; the etcd-backed server process is tested elsewhere.
package nodee2e
