package api

import (
	"slices"
	"strings"
	"testing"
)

// Kubernetes' messages, written out here so that the tests check the text.
const (
	msgLabel     = `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
	msgSubdomain = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`
	msgDNS1035   = `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`
	msgNamePart  = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`
	msgLabelVal  = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`
	msgConfigKey = `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`
	msgEnvName   = `a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`
	msgPercent   = `a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`
	msgPortRange = "must be between 1 and 65535, inclusive"
	msgIP        = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
)

// Every fixture is valid, before and after defaulting.
func TestFixturesAreValid(t *testing.T) {
	for name, data := range kindFixtures(t) {
		t.Run(name, func(t *testing.T) {
			obj := decodeOne(t, data)
			if errs := Validate(obj); len(errs) > 0 {
				t.Errorf("before Default:\n%s", strings.Join(errs.Strings(), "\n"))
			}
			Default(obj)
			if errs := Validate(obj); len(errs) > 0 {
				t.Errorf("after Default:\n%s", strings.Join(errs.Strings(), "\n"))
			}
		})
	}
}

// expectErrors checks that Validate(obj) reports exactly want, in order.
func expectErrors(t *testing.T, name string, obj Object, want []string) {
	t.Helper()
	got := Validate(obj).Strings()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got: %s\nwant: %s", name, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

func basePod() *Pod {
	return &Pod{
		ObjectMeta: ObjectMeta{Name: "web", Namespace: "shop"},
		Spec:       PodSpec{Containers: []Container{{Name: "app", Image: "nginx:1.14.2"}}},
	}
}

type podCase struct {
	name   string
	mutate func(p *Pod)
	want   []string
}

func runPodCases(t *testing.T, cases []podCase) {
	t.Helper()
	expectErrors(t, "base", basePod(), nil)
	for _, tc := range cases {
		p := basePod()
		tc.mutate(p)
		expectErrors(t, tc.name, p, tc.want)
	}
}

func TestValidateObjectMeta(t *testing.T) {
	long := strings.Repeat("a", 254)
	runPodCases(t, []podCase{
		{"name required", func(p *Pod) { p.Name = "" },
			[]string{"metadata.name: Required value: name or generateName is required"}},
		{"generateName instead", func(p *Pod) { p.Name, p.GenerateName = "", "web-" }, nil},
		{"bad generateName", func(p *Pod) { p.Name, p.GenerateName = "", "Web-" },
			[]string{`metadata.generateName: Invalid value: "Web-": ` + msgSubdomain}},
		{"name not a subdomain", func(p *Pod) { p.Name = "Foo_bar" },
			[]string{`metadata.name: Invalid value: "Foo_bar": ` + msgSubdomain}},
		{"name too long", func(p *Pod) { p.Name = long },
			[]string{`metadata.name: Invalid value: "` + long + `": must be no more than 253 characters`}},
		{"namespace required", func(p *Pod) { p.Namespace = "" },
			[]string{"metadata.namespace: Required value"}},
		{"namespace not a label", func(p *Pod) { p.Namespace = "my.shop" },
			[]string{`metadata.namespace: Invalid value: "my.shop": must not contain dots`}},
		{"negative generation", func(p *Pod) { p.Generation = -1 },
			[]string{"metadata.generation: Invalid value: -1: must be greater than or equal to 0"}},
		{"label keys and values", func(p *Pod) {
			p.Labels = map[string]string{
				"-bad": "x", "Example.com/app": "x", "a/b/c": "x", "ok": "-bad-", "long": strings.Repeat("v", 64), "/x": "",
			}
		}, []string{
			`metadata.labels: Invalid value: "-bad": ` + msgNamePart,
			`metadata.labels: Invalid value: "/x": prefix part must be non-empty`,
			`metadata.labels: Invalid value: "Example.com/app": prefix part ` + msgSubdomain,
			`metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
			`metadata.labels: Invalid value: "` + strings.Repeat("v", 64) + `": must be no more than 63 characters`,
			`metadata.labels: Invalid value: "-bad-": ` + msgLabelVal,
		}},
		{"label name too long", func(p *Pod) { p.Labels = map[string]string{strings.Repeat("k", 64): ""} },
			[]string{`metadata.labels: Invalid value: "` + strings.Repeat("k", 64) + `": name part must be no more than 63 characters`}},
		{"annotations", func(p *Pod) {
			p.Annotations = map[string]string{"Example.com/Mixed-Case": "ok", "bad key": "x", "big": strings.Repeat("x", TotalAnnotationSizeLimit)}
		}, []string{
			`metadata.annotations: Invalid value: "bad key": ` + msgNamePart,
			"metadata.annotations: Too long: must have at most 262144 bytes",
		}},
		{"owner references", func(p *Pod) {
			yes := true
			p.OwnerReferences = []OwnerReference{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "a", UID: "1", Controller: &yes},
				{Controller: &yes},
			}
		}, []string{
			`metadata.ownerReferences[1].apiVersion: Invalid value: "": version must not be empty`,
			`metadata.ownerReferences[1].kind: Invalid value: "": kind must not be empty`,
			`metadata.ownerReferences[1].name: Invalid value: "": name must not be empty`,
			`metadata.ownerReferences[1].uid: Invalid value: "": uid must not be empty`,
			`metadata.ownerReferences: Invalid value: Only one reference can have Controller set to true. Found "true" in references for a and `,
		}},
		{"finalizers", func(p *Pod) { p.Finalizers = []string{"example.com/ok", "not ok"} },
			[]string{`metadata.finalizers[1]: Invalid value: "not ok": ` + msgNamePart}},
	})

	// Cluster-scoped kinds have no namespace; Namespaces and Services have
	// stricter names.
	expectErrors(t, "namespaced node", &Node{ObjectMeta: ObjectMeta{Name: "n1", Namespace: "shop"}},
		[]string{"metadata.namespace: Forbidden: not allowed on this type"})
	expectErrors(t, "namespace with dots", &Namespace{ObjectMeta: ObjectMeta{Name: "my.shop"}},
		[]string{`metadata.name: Invalid value: "my.shop": must not contain dots`})
	expectErrors(t, "namespace not a label", &Namespace{ObjectMeta: ObjectMeta{Name: "Shop"}},
		[]string{`metadata.name: Invalid value: "Shop": ` + msgLabel})
	svc := baseService()
	svc.Name = "1web"
	expectErrors(t, "service name", svc, []string{`metadata.name: Invalid value: "1web": ` + msgDNS1035})
}

func TestValidateContainers(t *testing.T) {
	runPodCases(t, []podCase{
		{"no containers", func(p *Pod) { p.Spec.Containers = nil },
			[]string{"spec.containers: Required value"}},
		{"container name", func(p *Pod) { p.Spec.Containers[0].Name = "" },
			[]string{"spec.containers[0].name: Required value"}},
		{"container name not a label", func(p *Pod) { p.Spec.Containers[0].Name = "App_1" },
			[]string{`spec.containers[0].name: Invalid value: "App_1": ` + msgLabel}},
		{"duplicate names", func(p *Pod) {
			p.Spec.Containers = append(p.Spec.Containers, Container{Name: "app", Image: "b"})
			p.Spec.InitContainers = []Container{{Name: "app", Image: "c"}}
		}, []string{
			`spec.containers[1].name: Duplicate value: "app"`,
			`spec.initContainers[0].name: Duplicate value: "app"`,
		}},
		{"image", func(p *Pod) { p.Spec.Containers[0].Image = "" },
			[]string{"spec.containers[0].image: Required value"}},
		{"image with spaces", func(p *Pod) { p.Spec.Containers[0].Image = " nginx" },
			[]string{`spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace`}},
		{"pull and termination policies", func(p *Pod) {
			p.Spec.Containers[0].ImagePullPolicy = "Sometimes"
			p.Spec.Containers[0].TerminationMessagePolicy = "Log"
		}, []string{
			`spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`,
			`spec.containers[0].terminationMessagePolicy: Unsupported value: "Log": supported values: "FallbackToLogsOnError", "File"`,
		}},
		{"ports", func(p *Pod) {
			p.Spec.Containers[0].Ports = []ContainerPort{
				{Name: "http", ContainerPort: 80},
				{Name: "http", ContainerPort: 0, HostPort: 70000, Protocol: "HTTP"},
				{Name: "a-very-long-port-name", ContainerPort: 65536},
				{Name: "-x--", ContainerPort: 1, HostIP: "1.2.3"},
				{Name: "1234", ContainerPort: 2},
			}
		}, []string{
			`spec.containers[0].ports[1].name: Duplicate value: "http"`,
			"spec.containers[0].ports[1].containerPort: Required value",
			"spec.containers[0].ports[1].hostPort: Invalid value: 70000: " + msgPortRange,
			`spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`,
			`spec.containers[0].ports[2].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters`,
			"spec.containers[0].ports[2].containerPort: Invalid value: 65536: " + msgPortRange,
			`spec.containers[0].ports[3].name: Invalid value: "-x--": must not contain consecutive hyphens`,
			`spec.containers[0].ports[3].name: Invalid value: "-x--": must not begin or end with a hyphen`,
			`spec.containers[0].ports[3].hostIP: Invalid value: "1.2.3": ` + msgIP,
			`spec.containers[0].ports[4].name: Invalid value: "1234": must contain at least one letter (a-z)`,
		}},
		{"restart and dns policies", func(p *Pod) { p.Spec.RestartPolicy, p.Spec.DNSPolicy = "Sometimes", "Google" },
			[]string{
				`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"`,
				`spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"`,
			}},
		{"names of other objects", func(p *Pod) {
			p.Spec.ServiceAccountName, p.Spec.NodeName, p.Spec.Hostname, p.Spec.Subdomain = "Web", "node_1", "a.b", "-"
			p.Spec.SchedulerName, p.Spec.PriorityClassName = "My Scheduler", "High"
		}, []string{
			`spec.serviceAccountName: Invalid value: "Web": ` + msgSubdomain,
			`spec.nodeName: Invalid value: "node_1": ` + msgSubdomain,
			`spec.schedulerName: Invalid value: "My Scheduler": ` + msgSubdomain,
			`spec.priorityClassName: Invalid value: "High": ` + msgSubdomain,
			`spec.hostname: Invalid value: "a.b": must not contain dots`,
			`spec.subdomain: Invalid value: "-": ` + msgLabel,
		}},
		{"deadlines and ids", func(p *Pod) {
			neg, zero, big := int64(-1), int64(0), int64(1)<<40
			p.Spec.TerminationGracePeriodSeconds = &neg
			p.Spec.ActiveDeadlineSeconds = &zero
			p.Spec.SecurityContext = &PodSecurityContext{RunAsUser: &neg, FSGroup: &big}
			p.Spec.Containers[0].SecurityContext = &SecurityContext{RunAsGroup: &neg}
		}, []string{
			"spec.containers[0].securityContext.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive",
			"spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
			"spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
			"spec.securityContext.fsGroup: Invalid value: 1099511627776: must be between 0 and 2147483647, inclusive",
		}},
	})
}

func TestValidateResources(t *testing.T) {
	q := MustParseQuantity
	runPodCases(t, []podCase{
		{"requests above limits", func(p *Pod) {
			p.Spec.Containers[0].Resources = ResourceRequirements{
				Limits:   ResourceList{"cpu": q("500m"), "memory": q("128Mi")},
				Requests: ResourceList{"cpu": q("1"), "memory": q("128Mi")},
			}
		}, []string{"spec.containers[0].resources.requests[cpu]: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"}},
		{"negative quantities", func(p *Pod) {
			p.Spec.Containers[0].Resources = ResourceRequirements{
				Limits:   ResourceList{"memory": q("-1Gi")},
				Requests: ResourceList{"cpu": q("-100m")},
			}
		}, []string{
			`spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0`,
			`spec.containers[0].resources.requests[cpu]: Invalid value: "-100m": must be greater than or equal to 0`,
		}},
		{"resource names", func(p *Pod) {
			p.Spec.Containers[0].Resources = ResourceRequirements{
				Limits: ResourceList{"gpu": q("1"), "example.com/gpu": q("1"), "hugepages-2Mi": q("1Gi"), "bad name": q("1")},
			}
		}, []string{
			`spec.containers[0].resources.limits[bad name]: Invalid value: "bad name": ` + msgNamePart,
			`spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers`,
		}},
	})
}

func TestValidateVolumes(t *testing.T) {
	runPodCases(t, []podCase{
		{"volume names and sources", func(p *Pod) {
			p.Spec.Volumes = []Volume{
				{Name: "data", EmptyDir: &EmptyDirVolumeSource{}},
				{Name: "data", EmptyDir: &EmptyDirVolumeSource{}},
				{Name: "", EmptyDir: &EmptyDirVolumeSource{}},
				{Name: "Two", EmptyDir: &EmptyDirVolumeSource{}, HostPath: &HostPathVolumeSource{Path: "/x"}},
				{Name: "none"},
			}
		}, []string{
			`spec.volumes[1].name: Duplicate value: "data"`,
			"spec.volumes[2].name: Required value",
			"spec.volumes[3].hostPath: Forbidden: may not specify more than 1 volume type",
			`spec.volumes[3].name: Invalid value: "Two": ` + msgLabel,
			"spec.volumes[4]: Required value: must specify a volume type",
		}},
		{"sources", func(p *Pod) {
			mode, neg := int32(0o1000), MustParseQuantity("-1")
			typ := "Folder"
			p.Spec.Volumes = []Volume{
				{Name: "a", HostPath: &HostPathVolumeSource{Type: &typ}},
				{Name: "b", HostPath: &HostPathVolumeSource{Path: "/var/../etc"}},
				{Name: "c", Secret: &SecretVolumeSource{DefaultMode: &mode, Items: []KeyToPath{{Path: "/abs"}, {Key: "k", Path: "../up"}}}},
				{Name: "d", ConfigMap: &ConfigMapVolumeSource{Items: []KeyToPath{{Key: "k", Path: "", Mode: &mode}}}},
				{Name: "e", PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{}},
				{Name: "f", EmptyDir: &EmptyDirVolumeSource{SizeLimit: &neg}},
			}
		}, []string{
			"spec.volumes[0].hostPath.path: Required value",
			`spec.volumes[0].hostPath.type: Unsupported value: "Folder": supported values: "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"`,
			`spec.volumes[1].hostPath.path: Invalid value: "/var/../etc": must not contain '..'`,
			"spec.volumes[2].secret.secretName: Required value",
			"spec.volumes[2].secret.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
			"spec.volumes[2].secret.items[0].key: Required value",
			`spec.volumes[2].secret.items[0].path: Invalid value: "/abs": must be a relative path`,
			`spec.volumes[2].secret.items[1].path: Invalid value: "../up": must not contain '..'`,
			"spec.volumes[3].configMap.name: Required value",
			"spec.volumes[3].configMap.items[0].path: Required value",
			"spec.volumes[3].configMap.items[0].mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
			"spec.volumes[4].persistentVolumeClaim.claimName: Required value",
			`spec.volumes[5].emptyDir.sizeLimit: Invalid value: "-1": must be greater than or equal to 0`,
		}},
		{"volume mounts", func(p *Pod) {
			p.Spec.Volumes = []Volume{{Name: "data", EmptyDir: &EmptyDirVolumeSource{}}}
			p.Spec.Containers[0].VolumeMounts = []VolumeMount{
				{Name: "data", MountPath: "/data"},
				{Name: "cache", MountPath: "/data"},
				{Name: "", MountPath: "", SubPath: "/abs/../x"},
			}
		}, []string{
			`spec.containers[0].volumeMounts[1].name: Not found: "cache"`,
			`spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique`,
			"spec.containers[0].volumeMounts[2].name: Required value",
			"spec.containers[0].volumeMounts[2].mountPath: Required value",
			`spec.containers[0].volumeMounts[2].subPath: Invalid value: "/abs/../x": must be a relative path`,
			`spec.containers[0].volumeMounts[2].subPath: Invalid value: "/abs/../x": must not contain '..'`,
		}},
	})
}

func TestValidateProbes(t *testing.T) {
	runPodCases(t, []podCase{
		{"no handler, two handlers", func(p *Pod) {
			c := &p.Spec.Containers[0]
			c.LivenessProbe = &Probe{}
			c.ReadinessProbe = &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{}, TCPSocket: &TCPSocketAction{Port: FromInt(80)}}}
			c.StartupProbe = &Probe{ProbeHandler: ProbeHandler{HTTPGet: &HTTPGetAction{Port: FromString("http"), Scheme: "FTP",
				HTTPHeaders: []HTTPHeader{{Name: "X Bad"}}}}, SuccessThreshold: 2}
		}, []string{
			"spec.containers[0].livenessProbe: Required value: must specify a handler type",
			"spec.containers[0].readinessProbe.exec.command: Required value",
			"spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
			`spec.containers[0].startupProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`,
			`spec.containers[0].startupProbe.httpGet.httpHeaders[0].name: Invalid value: "X Bad": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')`,
			"spec.containers[0].startupProbe.successThreshold: Invalid value: 2: must be 1",
		}},
		{"thresholds and ports", func(p *Pod) {
			grace := int64(0)
			p.Spec.Containers[0].LivenessProbe = &Probe{
				ProbeHandler:        ProbeHandler{TCPSocket: &TCPSocketAction{Port: FromInt(0)}},
				InitialDelaySeconds: -1, TimeoutSeconds: -1, PeriodSeconds: -1, FailureThreshold: -1,
				TerminationGracePeriodSeconds: &grace,
			}
			p.Spec.Containers[0].ReadinessProbe = &Probe{
				ProbeHandler:                  ProbeHandler{HTTPGet: &HTTPGetAction{Port: FromString("Web_port")}},
				TerminationGracePeriodSeconds: &grace,
			}
		}, []string{
			"spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: " + msgPortRange,
			"spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.containers[0].livenessProbe.timeoutSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.containers[0].livenessProbe.failureThreshold: Invalid value: -1: must be greater than or equal to 0",
			"spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0",
			`spec.containers[0].readinessProbe.httpGet.port: Invalid value: "Web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
			"spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0",
			"spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 0: must not be set for readinessProbes",
		}},
		{"init containers", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "busybox",
				ReadinessProbe: &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}}},
				Lifecycle:      &Lifecycle{PreStop: &ProbeHandler{}},
			}}
		}, []string{
			"spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
			"spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
			"spec.initContainers[0].lifecycle.preStop: Required value: must specify a handler type",
		}},
	})
}

func TestValidateEnv(t *testing.T) {
	runPodCases(t, []podCase{
		{"env", func(p *Pod) {
			p.Spec.Containers[0].Env = []EnvVar{
				{Name: "OK", Value: "1"},
				{Name: ""},
				{Name: "1BAD"},
				{Name: ".."},
				{Name: "FROM", ValueFrom: &EnvVarSource{}},
				{Name: "BOTH", Value: "x", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "TWO", ValueFrom: &EnvVarSource{
					ConfigMapKeyRef: &KeySelector{Name: "c", Key: "k"}, SecretKeyRef: &KeySelector{Key: "bad key"}}},
				{Name: "FIELDS", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "spec.containers"}}},
				{Name: "LABEL", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
				{Name: "RES", ValueFrom: &EnvVarSource{ResourceFieldRef: &ResourceFieldSelector{Resource: "limits.gpu"}}},
				{Name: "EMPTY", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{}, ConfigMapKeyRef: &KeySelector{Name: "c"}}},
			}
		}, []string{
			"spec.containers[0].env[1].name: Required value",
			`spec.containers[0].env[2].name: Invalid value: "1BAD": ` + msgEnvName,
			`spec.containers[0].env[3].name: Invalid value: "..": must not be '..'`,
			"spec.containers[0].env[4].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
			"spec.containers[0].env[5].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
			"spec.containers[0].env[6].valueFrom.secretKeyRef.name: Required value",
			`spec.containers[0].env[6].valueFrom.secretKeyRef.key: Invalid value: "bad key": ` + msgConfigKey,
			"spec.containers[0].env[6].valueFrom: Invalid value: \"\": may not have more than one field specified at a time",
			`spec.containers[0].env[7].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.containers": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"`,
			`spec.containers[0].env[9].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"`,
			"spec.containers[0].env[10].valueFrom.fieldRef.fieldPath: Required value",
			"spec.containers[0].env[10].valueFrom.configMapKeyRef.key: Required value",
			"spec.containers[0].env[10].valueFrom: Invalid value: \"\": may not have more than one field specified at a time",
		}},
		{"envFrom", func(p *Pod) {
			p.Spec.Containers[0].EnvFrom = []EnvFromSource{
				{Prefix: "1_", ConfigMapRef: &LocalObjectReference{Name: "c"}},
				{},
				{ConfigMapRef: &LocalObjectReference{}, SecretRef: &LocalObjectReference{Name: "s"}},
			}
		}, []string{
			`spec.containers[0].envFrom[0].prefix: Invalid value: "1_": ` + msgEnvName,
			"spec.containers[0].envFrom[1]: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`",
			"spec.containers[0].envFrom[2].configMapRef.name: Required value",
			"spec.containers[0].envFrom[2]: Invalid value: \"\": may not have more than one field specified at a time",
		}},
	})
}

func baseService() *Service {
	return &Service{
		ObjectMeta: ObjectMeta{Name: "web", Namespace: "shop"},
		Spec:       ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []ServicePort{{Port: 80}}},
	}
}
