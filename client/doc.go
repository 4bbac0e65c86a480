// Package client is capstan's Go client for its Kubernetes-compatible REST
// API: the one the capstan CLI, the node agent and the tests use.
//
//	kubeconfig.go  LoadConfig: kubeconfig files (--kubeconfig, $KUBECONFIG
//	               lists, ~/.kube/config), contexts, clusters, users, with
//	               command-line overrides, into a Config
//	client.go      New(Config): the HTTP transport (TLS from the cluster's
//	               CA, bearer token), request plumbing, paths from core/api's
//	               kind registry, errors decoded into *api.StatusError
//	verbs.go       Get, List (selectors, paging), Create, Update,
//	               UpdateStatus, Patch, Delete (propagation, grace,
//	               preconditions), GetScale/UpdateScale, Bind
//	watch.go       Watch: the newline-delimited WatchEvent stream, resumed
//	               from the last resourceVersion when the connection drops;
//	               a 410 ends it with an error for which api.IsResourceExpired
//	               or api.IsGone holds, and the caller lists again
//	logs.go       Logs: a container's log (pods/NAME/log), followed or not
//	typed.go       Get[T], List[T], ... for callers that know the kind
//
// Objects are core/api's own types; nothing here uses k8s.io/client-go.
// Every call takes a context; calls other than Watch are also bounded by
// Config.Timeout. A failed call returns an error for which the api.IsX
// predicates work: the server's Status when it sent one, otherwise a
// StatusError made from the HTTP code, as client-go does.
package client
