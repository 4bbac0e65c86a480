// Package apiserver is capstan's Kubernetes-compatible REST API as an
// http.Handler: the paths, verbs, watch streams, discovery and errors that
// kubectl and client-go expect, over a storage.Backend (etcd, or Locked in
// memory), writing through core/registry so that the server and the
// simulator store the same bytes for the same requests.
//
//	request ─▶ recover ─▶ metrics ─▶ authenticate ─▶ route (path → verb,
//	           group/version/resource, namespace, name, subresource)
//	        ─▶ authorize ─▶ handler ─▶ core/registry ─▶ storage.Backend
//
// Paths: /api/v1/..., /apis/apps/v1/..., /apis/coordination.k8s.io/v1/...
// for every kind core/api registers, namespaced and cluster-scoped, plus
// all-namespaces lists and watches (/api/v1/pods) and the legacy /watch/
// prefix. Verbs: get, list (labelSelector, fieldSelector, limit/continue,
// resourceVersion and resourceVersionMatch), create (generateName, dryRun),
// update (409 on a stale resourceVersion), patch (merge, JSON and strategic
// merge patches), delete (propagationPolicy, gracePeriodSeconds,
// preconditions), deletecollection and watch (newline-delimited WatchEvent
// JSON: synthetic ADDED events of the current state when no
// resourceVersion is given, bookmarks, an ERROR event carrying 410 Expired
// when the resourceVersion is compacted). Subresources: status, scale
// (autoscaling/v1 Scale for deployments and replicasets), pods' binding and
// eviction, and pods' log (see below). Reads and watches answer meta.k8s.io/v1 Tables (kubectl's
// columns, from server/printers) to clients that ask for them.
//
// Bodies are JSON, YAML, or Kubernetes protobuf (what kubectl's create
// generators send; decoded through k8s.io/api, see proto.go); answers
// are JSON or YAML.
//
// Every failure is a Kubernetes Status with the right code and reason; bad
// input (malformed JSON or YAML, unknown fields under
// fieldValidation=Strict, a kind that does not fit the path, a body over
// MaxBodyBytes, a bad selector or query value) is a 4xx with a message
// that says what is wrong. A recover middleware answering a 500 Status is
// the last resort, and a test fuzzes requests to keep it unused.
//
// GET pods/NAME/log (container, follow, tailLines, previous, limitBytes)
// is proxied to the logs endpoint of the agent of the pod's node
// (nodeagent/logs) at the Node's InternalIP and the port of its
// capstan.dev/logs-port label (10250 without it), streaming the answer, a
// followed log included. The server presents Config.NodeLogsToken (the
// server process sets the admin's token, which the agents hold and
// require); the agents' certificates are self-signed and not verified, as
// kube-apiserver without --kubelet-certificate-authority, so a
// man-in-the-middle on the node network could read that token (to be
// replaced by per-node credentials and a cluster CA for agents). A pod
// unknown is a 404, one not bound or a container not in it a 400, a node
// that is not registered, has no address or does not answer a 503, an
// endpoint that refuses (401, a bad answer) a 502.
//
// Discovery (/api, /apis, /api/v1, /apis/GROUP/VERSION), /version,
// /healthz, /livez, /readyz (fails when the backend does not answer),
// /metrics (Prometheus), and a minimal OpenAPI v3 (/openapi/v3) that tells
// kubectl the server validates fields itself (fieldValidation) so that its
// default client-side validation needs no schema; /openapi/v2 is a 404,
// which kubectl tolerates once v3 has answered.
//
// Authentication and authorization are seams (Authenticator, Authorizer):
// the server package plugs bearer tokens in; AllowAll serves tests and
// explicit opt-ins. /healthz, /livez, /readyz and /version answer without
// credentials (as Kubernetes' system:public-info-viewer allows); every
// other path is authenticated and authorized. The handler is safe for concurrent use; it keeps no
// state but metrics.
package apiserver
