package api

import "testing"

// expectUpdateErrors checks ValidateUpdate(n, o) reports exactly want.
func expectUpdateErrors(t *testing.T, name string, n, o Object, want []string) {
	t.Helper()
	got := ValidateUpdate(n, o).Strings()
	if len(got) != len(want) {
		t.Errorf("%s:\n got: %q\nwant: %q", name, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s:\n got: %q\nwant: %q", name, got, want)
			return
		}
	}
}

func TestValidateUpdateMetadata(t *testing.T) {
	old := basePod()
	old.UID = "uid-1"
	Default(old)
	n := CopyObject(old).(*Pod)
	expectUpdateErrors(t, "unchanged", n, old, nil)
	n.Labels = map[string]string{"new": "label"}
	n.Annotations = map[string]string{"a": "b"}
	expectUpdateErrors(t, "labels may change", n, old, nil)
	n.Name, n.Namespace, n.UID = "other", "elsewhere", "uid-2"
	expectUpdateErrors(t, "identity", n, old, []string{
		`metadata.name: Invalid value: "other": field is immutable`,
		`metadata.namespace: Invalid value: "elsewhere": field is immutable`,
		`metadata.uid: Invalid value: "uid-2": field is immutable`,
	})
	expectUpdateErrors(t, "kind", &Node{ObjectMeta: ObjectMeta{Name: "web"}}, &Namespace{ObjectMeta: ObjectMeta{Name: "web"}},
		[]string{`kind: Invalid value: "Node": may not change from Namespace`})
	// The new object is validated too.
	bad := CopyObject(old).(*Pod)
	bad.Spec.Containers[0].Image = ""
	expectUpdateErrors(t, "new object validated", bad, old, []string{"spec.containers[0].image: Required value"})
}

func TestValidatePodUpdate(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	old := basePod()
	old.Spec.Tolerations = []Toleration{{Key: "k", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: i64(60)}}
	old.Spec.ActiveDeadlineSeconds = i64(100)
	Default(old)
	for _, tc := range []struct {
		name   string
		mutate func(p *Pod)
		want   []string
	}{
		{"image", func(p *Pod) { p.Spec.Containers[0].Image = "nginx:1.25" }, nil},
		{"shorter deadline", func(p *Pod) { p.Spec.ActiveDeadlineSeconds = i64(50) }, nil},
		{"longer deadline", func(p *Pod) { p.Spec.ActiveDeadlineSeconds = i64(200) },
			[]string{"spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"}},
		{"no deadline", func(p *Pod) { p.Spec.ActiveDeadlineSeconds = nil },
			[]string{`spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value`}},
		{"added toleration, changed seconds", func(p *Pod) {
			p.Spec.Tolerations[0].TolerationSeconds = i64(10)
			p.Spec.Tolerations = append(p.Spec.Tolerations, Toleration{Operator: "Exists"})
		}, nil},
		{"removed toleration", func(p *Pod) { p.Spec.Tolerations = nil },
			[]string{"spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"}},
		{"binding", func(p *Pod) { p.Spec.NodeName = "worker-1" }, nil},
		{"other fields", func(p *Pod) {
			p.Spec.RestartPolicy = "Never"
			p.Spec.Containers[0].Ports = []ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}
		}, []string{"spec: Forbidden: " + podUpdateForbiddenMsg + "\n  changed: containers, restartPolicy"}},
		{"new container", func(p *Pod) {
			p.Spec.Containers = append(p.Spec.Containers, Container{Name: "b", Image: "b"})
			Default(p)
		}, []string{"spec: Forbidden: " + podUpdateForbiddenMsg + "\n  changed: containers"}},
	} {
		n := CopyObject(old).(*Pod)
		tc.mutate(n)
		expectUpdateErrors(t, tc.name, n, old, tc.want)
	}
	bound := CopyObject(old).(*Pod)
	bound.Spec.NodeName = "worker-1"
	moved := CopyObject(bound).(*Pod)
	moved.Spec.NodeName = "worker-2"
	expectUpdateErrors(t, "rebinding", moved, bound, []string{`spec.nodeName: Invalid value: "worker-2": field is immutable`})
	unbound := CopyObject(bound).(*Pod)
	unbound.Spec.NodeName = ""
	expectUpdateErrors(t, "unbinding", unbound, bound, []string{`spec.nodeName: Invalid value: "": field is immutable`})
}

func TestValidateControllerUpdate(t *testing.T) {
	old := baseDeployment()
	Default(old)
	n := CopyObject(old).(*Deployment)
	n.Spec.Replicas = new(int32)
	n.Spec.Template.Spec.Containers[0].Image = "nginx:1.25"
	expectUpdateErrors(t, "scale and roll", n, old, nil)
	n.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "a"}}
	n.Spec.Template.Labels["tier"] = "a"
	expectUpdateErrors(t, "deployment selector", n, old, []string{
		`spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"a"}}: field is immutable`,
	})
	oldRS := &ReplicaSet{ObjectMeta: old.ObjectMeta, Spec: ReplicaSetSpec{Selector: old.Spec.Selector, Template: old.Spec.Template}}
	newRS := CopyObject(oldRS).(*ReplicaSet)
	newRS.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "app", Operator: "Exists"}}
	expectUpdateErrors(t, "replicaset selector", newRS, oldRS, []string{
		`spec.selector: Invalid value: {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable`,
	})
	// nil and empty are the same.
	newRS = CopyObject(oldRS).(*ReplicaSet)
	newRS.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{}
	expectUpdateErrors(t, "empty is nil", newRS, oldRS, nil)
}

func TestValidateOtherUpdates(t *testing.T) {
	q := MustParseQuantity
	yes, no := true, false

	oldSvc := baseService()
	oldSvc.Spec.ClusterIP = "10.96.0.10"
	Default(oldSvc)
	svc := CopyObject(oldSvc).(*Service)
	svc.Spec.ClusterIP = "10.96.0.11"
	expectUpdateErrors(t, "cluster IP", svc, oldSvc, []string{`spec.clusterIP: Invalid value: "10.96.0.11": field is immutable`})
	svc.Spec = ServiceSpec{Type: "ExternalName", ExternalName: "db.example.com", SessionAffinity: "None"}
	expectUpdateErrors(t, "to ExternalName", svc, oldSvc, nil)

	oldPVC := &PersistentVolumeClaim{ObjectMeta: ObjectMeta{Name: "data", Namespace: "shop"}, Spec: PersistentVolumeClaimSpec{
		AccessModes: []string{"ReadWriteOnce"},
		Resources:   VolumeResourceRequirements{Requests: ResourceList{"storage": q("1Gi")}},
	}}
	Default(oldPVC)
	pvc := CopyObject(oldPVC).(*PersistentVolumeClaim)
	pvc.Spec.VolumeName = "pv-1"
	expectUpdateErrors(t, "claim bound to a volume", pvc, oldPVC, nil)
	pvc.Spec.Resources.Requests["storage"] = q("2Gi")
	expectUpdateErrors(t, "pending claim resized", pvc, oldPVC, []string{
		"spec: Forbidden: spec is immutable after creation except resources.requests for bound claims",
	})
	oldPVC.Status.Phase = ClaimBound
	oldPVC.Spec.VolumeName = "pv-1"
	expectUpdateErrors(t, "bound claim grows", pvc, oldPVC, nil)
	pvc.Spec.Resources.Requests["storage"] = q("512Mi")
	pvc.Spec.AccessModes = []string{"ReadWriteMany"}
	pvc.Spec.VolumeName = "pv-2"
	expectUpdateErrors(t, "bound claim shrinks and changes", pvc, oldPVC, []string{
		"spec.resources.requests.storage: Forbidden: field can not be less than previous value",
		"spec: Forbidden: spec is immutable after creation except resources.requests for bound claims",
	})

	oldPV := &PersistentVolume{ObjectMeta: ObjectMeta{Name: "pv-1"}, Spec: PersistentVolumeSpec{
		Capacity: ResourceList{"storage": q("1Gi")}, AccessModes: []string{"ReadWriteOnce"}, HostPath: &HostPathVolumeSource{Path: "/a"}}}
	pv := CopyObject(oldPV).(*PersistentVolume)
	pv.Spec.HostPath.Path = "/b"
	pv.Spec.ClaimRef = &ObjectReference{Name: "data"}
	expectUpdateErrors(t, "pv source", pv, oldPV, []string{"spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation"})

	oldNode := &Node{ObjectMeta: ObjectMeta{Name: "worker-1"}}
	node := CopyObject(oldNode).(*Node)
	node.Spec.PodCIDR, node.Spec.ProviderID = "10.244.1.0/24", "capstan://worker-1"
	expectUpdateErrors(t, "node gets a CIDR", node, oldNode, nil)
	moved := CopyObject(node).(*Node)
	moved.Spec.PodCIDR, moved.Spec.ProviderID = "10.244.2.0/24", "x"
	expectUpdateErrors(t, "node changes its CIDR", moved, node, []string{
		`spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid`,
		`spec.providerID: Forbidden: node updates may not change providerID except from "" to valid`,
	})

	oldSecret := &Secret{ObjectMeta: ObjectMeta{Name: "s", Namespace: "shop"}, Type: "Opaque", Data: map[string][]byte{"a": []byte("1")}}
	secret := CopyObject(oldSecret).(*Secret)
	secret.Data["a"] = []byte("2")
	expectUpdateErrors(t, "mutable secret", secret, oldSecret, nil)
	secret.Type = "kubernetes.io/ssh-auth"
	secret.Data["ssh-privatekey"] = []byte("k")
	expectUpdateErrors(t, "secret type", secret, oldSecret, []string{`type: Invalid value: "kubernetes.io/ssh-auth": field is immutable`})
	oldSecret.Immutable = &yes
	secret = CopyObject(oldSecret).(*Secret)
	secret.Immutable = &no
	secret.Data["a"] = []byte("2")
	expectUpdateErrors(t, "immutable secret", secret, oldSecret, []string{
		"immutable: Forbidden: field is immutable when `immutable` is set",
		"data: Forbidden: field is immutable when `immutable` is set",
	})

	oldCM := &ConfigMap{ObjectMeta: ObjectMeta{Name: "c", Namespace: "shop"}, Immutable: &yes, Data: map[string]string{"a": "1"}}
	cm := CopyObject(oldCM).(*ConfigMap)
	cm.Labels = map[string]string{"x": "y"}
	expectUpdateErrors(t, "immutable config map, labels", cm, oldCM, nil)
	cm.Immutable = nil
	cm.Data = nil
	cm.BinaryData = map[string][]byte{"b": nil}
	expectUpdateErrors(t, "immutable config map", cm, oldCM, []string{
		"immutable: Forbidden: field is immutable when `immutable` is set",
		"data: Forbidden: field is immutable when `immutable` is set",
		"binaryData: Forbidden: field is immutable when `immutable` is set",
	})
}
