package api

// The kinds capstan serves. Group "" is the core group (apiVersion "v1").
func init() {
	register("", "v1", "Namespace", "namespaces", false, func() Object { return &Namespace{} })
	register("", "v1", "Node", "nodes", false, func() Object { return &Node{} })
	register("", "v1", "Pod", "pods", true, func() Object { return &Pod{} })
	register("", "v1", "Service", "services", true, func() Object { return &Service{} })
	register("", "v1", "Endpoints", "endpoints", true, func() Object { return &Endpoints{} })
	register("", "v1", "Secret", "secrets", true, func() Object { return &Secret{} })
	register("", "v1", "ConfigMap", "configmaps", true, func() Object { return &ConfigMap{} })
	register("", "v1", "PersistentVolume", "persistentvolumes", false, func() Object { return &PersistentVolume{} })
	register("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, func() Object { return &PersistentVolumeClaim{} })
	register("", "v1", "ServiceAccount", "serviceaccounts", true, func() Object { return &ServiceAccount{} })
	register("", "v1", "Event", "events", true, func() Object { return &Event{} })
	register("apps", "v1", "ReplicaSet", "replicasets", true, func() Object { return &ReplicaSet{} })
	register("apps", "v1", "Deployment", "deployments", true, func() Object { return &Deployment{} })
	register("coordination.k8s.io", "v1", "Lease", "leases", true, func() Object { return &Lease{} })
}
