package api

import (
	"strings"
	"testing"
)

func TestValidateService(t *testing.T) {
	expectErrors(t, "base", baseService(), nil)
	for _, tc := range []struct {
		name   string
		mutate func(s *Service)
		want   []string
	}{
		{"ports required", func(s *Service) { s.Spec.Ports = nil }, []string{"spec.ports: Required value"}},
		{"headless needs no ports", func(s *Service) { s.Spec.Ports, s.Spec.ClusterIP = nil, "None" }, nil},
		{"external name", func(s *Service) {
			s.Spec = ServiceSpec{Type: "ExternalName", ExternalName: "db.example.com."}
		}, nil},
		{"external name required", func(s *Service) {
			s.Spec = ServiceSpec{Type: "ExternalName", ClusterIP: "10.0.0.1"}
		}, []string{
			"spec.clusterIP: Forbidden: may not be set for ExternalName services",
			"spec.externalName: Required value",
		}},
		{"external name invalid", func(s *Service) { s.Spec = ServiceSpec{Type: "ExternalName", ExternalName: "DB"} },
			[]string{`spec.externalName: Invalid value: "DB": ` + msgSubdomain}},
		{"ports", func(s *Service) {
			s.Spec.Ports = []ServicePort{
				{Name: "http", Port: 80},
				{Name: "http", Port: 0, Protocol: "ICMP", TargetPort: FromString("not--valid")},
				{Port: 443, TargetPort: FromInt(70000), NodePort: 70000},
				{Name: "Https", Port: 80},
			}
		}, []string{
			`spec.ports[1].name: Duplicate value: "http"`,
			"spec.ports[1].port: Invalid value: 0: " + msgPortRange,
			`spec.ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`,
			`spec.ports[1].targetPort: Invalid value: "not--valid": must not contain consecutive hyphens`,
			"spec.ports[2].name: Required value",
			"spec.ports[2].targetPort: Invalid value: 70000: " + msgPortRange,
			"spec.ports[2].nodePort: Invalid value: 70000: " + msgPortRange,
			`spec.ports[3].name: Invalid value: "Https": ` + msgLabel,
			"spec.ports[2].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
			`spec.ports[3]: Duplicate value: {"protocol":"TCP","port":80}`,
		}},
		{"node ports", func(s *Service) {
			s.Spec.Type = "NodePort"
			s.Spec.Ports = []ServicePort{{Name: "a", Port: 80, NodePort: 30080}, {Name: "b", Port: 81, NodePort: 30080}, {Name: "c", Port: 82, NodePort: 30080, Protocol: "UDP"}}
		}, []string{"spec.ports[1].nodePort: Duplicate value: 30080"}},
		{"type, affinity, selector", func(s *Service) {
			s.Spec.Type, s.Spec.SessionAffinity = "Internal", "Sticky"
			s.Spec.Selector = map[string]string{"app": "-web"}
		}, []string{
			`spec.selector: Invalid value: "-web": ` + msgLabelVal,
			`spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"`,
			`spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
		}},
		{"cluster IPs", func(s *Service) {
			s.Spec.ClusterIP = "10.96.0.300"
			s.Spec.ClusterIPs = []string{"10.96.0.1", "fe80::1%eth0"}
			s.Spec.ExternalIPs = []string{"192.0.2.1", "example.com"}
		}, []string{
			`spec.clusterIP: Invalid value: "10.96.0.300": must be empty, 'None', or a valid IP address`,
			`spec.clusterIPs[1]: Invalid value: "fe80::1%eth0": must be empty, 'None', or a valid IP address`,
			`spec.clusterIPs: Invalid value: ["10.96.0.1","fe80::1%eth0"]: first value must match ` + "`clusterIP`",
			`spec.externalIPs[1]: Invalid value: "example.com": ` + msgIP,
		}},
		{"valid IPv6 cluster IP", func(s *Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "fd00::10", []string{"fd00::10"} }, nil},
		{"traffic policy", func(s *Service) { s.Spec.ExternalTrafficPolicy = "Local" },
			[]string{`spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`}},
		{"traffic policy value", func(s *Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy = "LoadBalancer", "Nearest"
		}, []string{`spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"`}},
	} {
		s := baseService()
		tc.mutate(s)
		expectErrors(t, tc.name, s, tc.want)
	}
}

func TestValidateEndpoints(t *testing.T) {
	node := "Node_1"
	e := &Endpoints{ObjectMeta: ObjectMeta{Name: "web", Namespace: "shop"}, Subsets: []EndpointSubset{
		{Addresses: []EndpointAddress{{IP: "10.0.0.1"}, {IP: "10.0.0", Hostname: "a.b", NodeName: &node}}, Ports: []EndpointPort{{Port: 80}}},
		{NotReadyAddresses: []EndpointAddress{{IP: "::1"}}, Ports: []EndpointPort{{Name: "a", Port: 80}, {Port: 0, Protocol: "IP"}}},
		{},
	}}
	expectErrors(t, "endpoints", e, []string{
		`subsets[0].addresses[1].ip: Invalid value: "10.0.0": ` + msgIP,
		`subsets[0].addresses[1].hostname: Invalid value: "a.b": must not contain dots`,
		`subsets[0].addresses[1].nodeName: Invalid value: "Node_1": ` + msgSubdomain,
		"subsets[1].ports[1].name: Required value",
		"subsets[1].ports[1].port: Invalid value: 0: " + msgPortRange,
		`subsets[1].ports[1].protocol: Unsupported value: "IP": supported values: "SCTP", "TCP", "UDP"`,
		"subsets[2]: Required value: must specify `addresses` or `notReadyAddresses`",
	})
}

func TestValidateSecretAndConfigMap(t *testing.T) {
	meta := ObjectMeta{Name: "cfg", Namespace: "shop"}
	expectErrors(t, "secret", &Secret{ObjectMeta: meta,
		Data:       map[string][]byte{"ok.key": nil, "bad/key": nil, "..": nil, "big": make([]byte, MaxSecretSize)},
		StringData: map[string]string{"x": "y", "also bad": "z"},
	}, []string{
		`data[..]: Invalid value: "..": must not be '..'`,
		`data[bad/key]: Invalid value: "bad/key": ` + msgConfigKey,
		`stringData[also bad]: Invalid value: "also bad": ` + msgConfigKey,
		"data: Too long: must have at most 1048576 bytes",
	})
	expectErrors(t, "tls secret", &Secret{ObjectMeta: meta, Type: "kubernetes.io/tls", Data: map[string][]byte{"tls.crt": []byte("c")}},
		[]string{"data[tls.key]: Required value"})
	expectErrors(t, "basic auth secret", &Secret{ObjectMeta: meta, Type: "kubernetes.io/basic-auth"},
		[]string{"data[username]: Required value", "data[password]: Required value"})
	expectErrors(t, "custom secret type", &Secret{ObjectMeta: meta, Type: "example.com/custom"}, nil)
	expectErrors(t, "config map", &ConfigMap{ObjectMeta: meta,
		Data:       map[string]string{"a": "1", "dup": "x", strings.Repeat("k", 254): ""},
		BinaryData: map[string][]byte{"dup": nil, "b!": nil, "big": make([]byte, MaxSecretSize)},
	}, []string{
		`data[dup]: Invalid value: "dup": duplicate of key present in binaryData`,
		`data[` + strings.Repeat("k", 254) + `]: Invalid value: "` + strings.Repeat("k", 254) + `": must be no more than 253 characters`,
		`binaryData[b!]: Invalid value: "b!": ` + msgConfigKey,
		`binaryData[dup]: Invalid value: "dup": duplicate of key present in data`,
		"data: Too long: must have at most 1048576 bytes",
	})
}

func TestValidateVolumesAndClaims(t *testing.T) {
	q := MustParseQuantity
	mode := "Block"
	pv := &PersistentVolume{ObjectMeta: ObjectMeta{Name: "pv-1"}, Spec: PersistentVolumeSpec{
		Capacity:    ResourceList{"storage": q("10Gi")},
		AccessModes: []string{"ReadWriteOnce"},
		HostPath:    &HostPathVolumeSource{Path: "/data"},
	}}
	expectErrors(t, "pv base", pv, nil)
	pv.Spec = PersistentVolumeSpec{
		Capacity:                      ResourceList{"cpu": q("1")},
		AccessModes:                   []string{"ReadWriteOncePod", "ReadWriteOnce", "WriteOnly"},
		PersistentVolumeReclaimPolicy: "Recycle",
		StorageClassName:              "Fast_SSD",
		VolumeMode:                    "Raw",
		HostPath:                      &HostPathVolumeSource{Path: "/data"},
		Local:                         &LocalVolumeSource{Path: "/mnt"},
		NodeAffinity:                  &VolumeNodeAffinity{},
	}
	expectErrors(t, "pv", pv, []string{
		`spec.accessModes: Unsupported value: "WriteOnly": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"`,
		"spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes",
		`spec.capacity: Unsupported value: "cpu": supported values: "storage"`,
		"spec.capacity[storage]: Required value",
		`spec.storageClassName: Invalid value: "Fast_SSD": ` + msgSubdomain,
		`spec.persistentVolumeReclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"`,
		`spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"`,
		"spec.local: Forbidden: may not specify more than 1 volume type",
		"spec.nodeAffinity.required: Required value: must specify required node constraints",
	})
	pv.Spec = PersistentVolumeSpec{Capacity: ResourceList{"storage": q("0")}, Local: &LocalVolumeSource{}}
	expectErrors(t, "pv without modes", pv, []string{
		"spec.accessModes: Required value",
		`spec.capacity[storage]: Invalid value: "0": must be greater than zero`,
		"spec.local.path: Required value",
		"spec.nodeAffinity: Required value: Local volume requires node affinity",
	})
	pv.Spec = PersistentVolumeSpec{AccessModes: []string{"ReadOnlyMany"}}
	expectErrors(t, "pv without capacity or source", pv, []string{
		"spec.capacity: Required value",
		"spec: Required value: must specify a volume type",
	})

	pvc := &PersistentVolumeClaim{ObjectMeta: ObjectMeta{Name: "data", Namespace: "shop"}, Spec: PersistentVolumeClaimSpec{
		AccessModes: []string{"ReadWriteOnce"},
		Resources:   VolumeResourceRequirements{Requests: ResourceList{"storage": q("1Gi")}},
		VolumeMode:  &mode,
	}}
	expectErrors(t, "pvc base", pvc, nil)
	class, badMode := "Local Disk", "Raw"
	pvc.Spec = PersistentVolumeClaimSpec{
		Selector:         &LabelSelector{MatchLabels: map[string]string{"tier": "-"}},
		StorageClassName: &class,
		VolumeMode:       &badMode,
	}
	expectErrors(t, "pvc", pvc, []string{
		"spec.accessModes: Required value: at least 1 access mode is required",
		`spec.selector.matchLabels: Invalid value: "-": ` + msgLabelVal,
		"spec.resources[storage]: Required value",
		`spec.storageClassName: Invalid value: "Local Disk": ` + msgSubdomain,
		`spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"`,
	})
	pvc.Spec = PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteMany"},
		Resources: VolumeResourceRequirements{Requests: ResourceList{"storage": q("-1Gi")}}}
	expectErrors(t, "pvc negative", pvc, []string{`spec.resources[storage]: Invalid value: "-1Gi": must be greater than zero`})
}

func TestValidateNodeLeaseEventAndOthers(t *testing.T) {
	q := MustParseQuantity
	expectErrors(t, "node", &Node{ObjectMeta: ObjectMeta{Name: "worker-1"},
		Spec:   NodeSpec{PodCIDR: "10.244.1.0/33", PodCIDRs: []string{"10.244.1.0/24"}},
		Status: NodeStatus{Capacity: ResourceList{"cpu": q("-1")}, Allocatable: ResourceList{"memory": q("-1Mi")}},
	}, []string{
		`spec.podCIDR: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`,
		`spec.podCIDRs: Invalid value: ["10.244.1.0/24"]: first value must match ` + "`podCIDR`",
		`status.capacity[cpu]: Invalid value: "-1": must be greater than or equal to 0`,
		`status.allocatable[memory]: Invalid value: "-1Mi": must be greater than or equal to 0`,
	})
	zero, neg := int32(0), int32(-1)
	expectErrors(t, "lease", &Lease{ObjectMeta: ObjectMeta{Name: "worker-1", Namespace: "kube-node-lease"},
		Spec: LeaseSpec{LeaseDurationSeconds: &zero, LeaseTransitions: &neg}}, []string{
		"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
		"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
	})
	expectErrors(t, "lease without namespace", &Lease{ObjectMeta: ObjectMeta{Name: "leader"}},
		[]string{"metadata.namespace: Required value"})
	expectErrors(t, "event", &Event{ObjectMeta: ObjectMeta{Name: "web.1", Namespace: "shop"},
		InvolvedObject: ObjectReference{Kind: "Pod", Namespace: "other", Name: "web"}, Type: "Error", Count: -1,
	}, []string{
		`involvedObject.namespace: Invalid value: "other": does not match event.namespace`,
		`type: Unsupported value: "Error": supported values: "Normal", "Warning"`,
		"count: Invalid value: -1: must be greater than or equal to 0",
	})
	expectErrors(t, "event about a node", &Event{ObjectMeta: ObjectMeta{Name: "n.1", Namespace: "default"},
		InvolvedObject: ObjectReference{Kind: "Node", Name: "worker-1"}, Type: "Normal"}, nil)
	expectErrors(t, "event about a node elsewhere", &Event{ObjectMeta: ObjectMeta{Name: "n.1", Namespace: "shop"},
		InvolvedObject: ObjectReference{Kind: "Node", Name: "worker-1"}},
		[]string{`involvedObject.namespace: Invalid value: "": does not match event.namespace`})
	expectErrors(t, "service account", &ServiceAccount{ObjectMeta: ObjectMeta{Name: "Web", Namespace: "shop"},
		ImagePullSecrets: []LocalObjectReference{{}}}, []string{
		`metadata.name: Invalid value: "Web": ` + msgSubdomain,
		"imagePullSecrets[0].name: Required value",
	})
	expectErrors(t, "namespace", &Namespace{ObjectMeta: ObjectMeta{Name: "shop"},
		Spec: NamespaceSpec{Finalizers: []string{"kubernetes", "bad finalizer"}}, Status: NamespaceStatus{Phase: "Gone"}}, []string{
		`spec.finalizers[1]: Invalid value: "bad finalizer": ` + msgNamePart,
		`status.phase: Unsupported value: "Gone": supported values: "Active", "Terminating"`,
	})
}

func TestValidateOddObjects(t *testing.T) {
	type unknownKind struct {
		TypeMeta
		ObjectMeta
	}
	for _, obj := range []Object{nil, (*Pod)(nil), &unknownKind{}} {
		errs := Validate(obj)
		if len(errs) != 1 || errs[0].Type != ErrorTypeInternal {
			t.Errorf("%T: %v", obj, errs)
		}
	}
}
