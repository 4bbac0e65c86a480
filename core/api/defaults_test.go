package api

import (
	"reflect"
	"strings"
	"testing"
)

// defaultedJSON decodes a manifest, defaults it, and returns its JSON.
func defaultedJSON(t *testing.T, manifest string) string {
	t.Helper()
	obj := decodeOne(t, []byte(manifest))
	Default(obj)
	js, err := Encode(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // the defaulted object's JSON
	}{
		{"pod", podHeader + "spec:\n  containers:\n  - name: a\n    image: busybox\n",
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[{"name":"a","image":"busybox","imagePullPolicy":"Always","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler","enableServiceLinks":true}}`},
		{"pod keeps what is set", podHeader + "spec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 0\n  dnsPolicy: Default\n  schedulerName: mine\n  enableServiceLinks: false\n  containers:\n  - name: a\n    image: busybox\n    imagePullPolicy: Never\n    terminationMessagePath: /tmp/t\n    terminationMessagePolicy: FallbackToLogsOnError\n",
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[{"name":"a","image":"busybox","imagePullPolicy":"Never","terminationMessagePath":"/tmp/t","terminationMessagePolicy":"FallbackToLogsOnError"}],"restartPolicy":"Never","terminationGracePeriodSeconds":0,"dnsPolicy":"Default","schedulerName":"mine","enableServiceLinks":false}}`},
		{"ports, probes, env, requests from limits", podHeader + `spec:
  initContainers:
  - name: i
    image: init:1
    resources:
      limits: {cpu: 100m}
  containers:
  - name: a
    image: busybox:1.36
    ports:
    - containerPort: 80
    - containerPort: 53
      protocol: UDP
    env:
    - name: NODE
      valueFrom:
        fieldRef: {fieldPath: spec.nodeName}
    resources:
      requests: {memory: 64Mi}
      limits: {cpu: 500m, memory: 128Mi}
    livenessProbe:
      httpGet: {port: 80}
    readinessProbe:
      tcpSocket: {port: 80}
      periodSeconds: 3
    lifecycle:
      preStop:
        httpGet: {port: 80, path: /stop}
`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"initContainers":[{"name":"i","image":"init:1","resources":{"limits":{"cpu":"100m"},"requests":{"cpu":"100m"}},"imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"containers":[{"name":"a","image":"busybox:1.36","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":53,"protocol":"UDP"}],"env":[{"name":"NODE","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"500m","memory":"64Mi"}},"livenessProbe":{"httpGet":{"path":"/","port":80,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"readinessProbe":{"tcpSocket":{"port":80},"timeoutSeconds":1,"periodSeconds":3,"successThreshold":1,"failureThreshold":3},"lifecycle":{"preStop":{"httpGet":{"path":"/stop","port":80,"scheme":"HTTP"}}},"imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler","enableServiceLinks":true}}`},
		{"volumes", podHeader + "spec:\n  containers: []\n  volumes:\n  - name: scratch\n  - name: host\n    hostPath: {path: /var/log}\n  - name: s\n    secret: {secretName: db}\n  - name: c\n    configMap: {name: cfg, defaultMode: 256}\n",
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[],"volumes":[{"name":"scratch","emptyDir":{}},{"name":"host","hostPath":{"path":"/var/log","type":""}},{"name":"s","secret":{"secretName":"db","defaultMode":420}},{"name":"c","configMap":{"name":"cfg","defaultMode":256}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler","enableServiceLinks":true}}`},
		{"replicaset", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  selector:\n    matchLabels: {a: b}\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n      containers:\n      - name: a\n        image: x@sha256:0000000000000000000000000000000000000000000000000000000000000000\n        resources:\n          limits: {cpu: 1}\n",
			`{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"a","image":"x@sha256:0000000000000000000000000000000000000000000000000000000000000000","resources":{"limits":{"cpu":"1"}},"imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler"}}}}`},
		{"deployment, recreate", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 0\n  strategy: {type: Recreate}\n  selector:\n    matchLabels: {a: b}\n  template:\n    spec:\n      containers: []\n",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":0,"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler"}},"strategy":{"type":"Recreate"},"revisionHistoryLimit":10,"progressDeadlineSeconds":600}}`},
		{"deployment, partial rolling update", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  strategy:\n    rollingUpdate: {maxSurge: 1}\n  selector:\n    matchLabels: {a: b}\n  template:\n    spec:\n      containers: []\n",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600}}`},
		{"service", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {a: b}\n  ports:\n  - port: 80\n  - port: 53\n    protocol: UDP\n    targetPort: dns\n",
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":80},{"protocol":"UDP","port":53,"targetPort":"dns"}],"selector":{"a":"b"},"type":"ClusterIP","sessionAffinity":"None"}}`},
		{"node port service", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n",
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster"}}`},
		{"endpoints", "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: s\nsubsets:\n- addresses: [{ip: 10.0.0.1}]\n  ports: [{port: 80}]\n",
			`{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"s"},"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80,"protocol":"TCP"}]}]}`},
		{"secret", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: YQ==\n  b: Yg==\nstringData:\n  b: bee\n  c: sea\n",
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"YQ==","b":"YmVl","c":"c2Vh"},"type":"Opaque"}`},
		{"persistent volume", "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\nspec:\n  capacity: {storage: 1Gi}\n  hostPath: {path: /data}\n",
			`{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv"},"spec":{"capacity":{"storage":"1Gi"},"persistentVolumeReclaimPolicy":"Retain","volumeMode":"Filesystem","hostPath":{"path":"/data"}},"status":{"phase":"Pending"}}`},
		{"claim", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\nspec:\n  resources:\n    requests: {storage: 1Gi}\n",
			`{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},"status":{"phase":"Pending"}}`},
		{"namespace", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
			`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"kubernetes.io/metadata.name":"shop"}},"status":{"phase":"Active"}}`},
		{"node", "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\nstatus:\n  capacity: {cpu: 2, memory: 4Gi}\n",
			`{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1"},"status":{"capacity":{"cpu":"2","memory":"4Gi"},"allocatable":{"cpu":"2","memory":"4Gi"}}}`},
		{"config map: nothing", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`},
		{"lease: nothing", "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: l\n",
			`{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultedJSON(t, tc.in); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestImagePullPolicy(t *testing.T) {
	for image, want := range map[string]string{
		"nginx":                                PullAlways,
		"nginx:latest":                         PullAlways,
		"nginx:1.14.2":                         PullIfNotPresent,
		"registry.example.com:5000/app":        PullAlways,
		"registry.example.com:5000/app:1.0":    PullIfNotPresent,
		"registry.example.com:5000/app:latest": PullAlways,
		"app@sha256:abc":                       PullIfNotPresent,
		"app:latest@sha256:abc":                PullAlways,
		"app:1@sha256:abc":                     PullIfNotPresent,
		"":                                     PullAlways,
	} {
		if got := imagePullPolicyFor(image); got != want {
			t.Errorf("%q: got %s, want %s", image, got, want)
		}
	}
}

// Defaulting twice changes nothing, for every fixture and table input.
func TestDefaultIsIdempotent(t *testing.T) {
	inputs := []string{readTestdataString(t, "nginx-deployment.yaml")}
	for _, b := range kindFixtures(t) {
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs,
		podHeader+"spec:\n  containers:\n  - name: a\n    image: b\n    resources:\n      limits: {cpu: 1}\n    livenessProbe:\n      exec: {command: [\"true\"]}\n  volumes: [{name: v}]\n",
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData: {a: b}\n",
		"apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 80}]\n",
	)
	for _, in := range inputs {
		obj := decodeOne(t, []byte(in))
		Default(obj)
		once := CopyObject(obj)
		Default(obj)
		if !reflect.DeepEqual(once, obj) {
			t.Errorf("Default is not idempotent on:\n%s", in)
		}
	}
	// Nil and unknown objects are ignored.
	Default(nil)
	Default((*Pod)(nil))
}

func readTestdataString(t *testing.T, name string) string {
	return strings.TrimSpace(string(readTestdata(t, name))) + "\n"
}

// checkDefaultPodShared checks that DefaultPodShared, given a shallow
// copy of p, defaults it as Default does and writes nothing into the
// memory the copy shares with p.
func checkDefaultPodShared(t *testing.T, p *Pod) {
	t.Helper()
	before := CopyObject(p)
	want := CopyObject(p)
	Default(want)
	shallow := *p
	DefaultPodShared(&shallow)
	if !reflect.DeepEqual(&shallow, want) {
		t.Fatalf("DefaultPodShared differs from Default:\n%+v\n%+v", shallow.Spec, want.(*Pod).Spec)
	}
	if !reflect.DeepEqual(p, before) {
		t.Fatalf("DefaultPodShared modified shared memory:\n%+v\n%+v", p.Spec, before.(*Pod).Spec)
	}
}

// DefaultPodShared defaults as Default does without writing into what the
// pod references: for every fixture's pod and template, defaulted or not.
func TestDefaultPodShared(t *testing.T) {
	inputs := []string{readTestdataString(t, "nginx-deployment.yaml")}
	for _, b := range kindFixtures(t) {
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs,
		podHeader+"spec:\n  containers:\n  - name: a\n    image: b\n    resources:\n      limits: {cpu: 1}\n    livenessProbe:\n      exec: {command: [\"true\"]}\n  volumes: [{name: v}]\n",
		podHeader+"spec:\n  initContainers: [{name: i, image: b, resources: {limits: {memory: 1Gi}, requests: {cpu: 1}}}]\n  containers:\n  - {name: a, image: b, ports: [{containerPort: 80}], env: [{name: E, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n  volumes: [{name: s, secret: {secretName: x}}, {name: h, hostPath: {path: /x}}, {name: c, configMap: {name: c}}]\n",
	)
	n := 0
	for _, in := range inputs {
		var pods []*Pod
		switch o := decodeOne(t, []byte(in)).(type) {
		case *Pod:
			pods = append(pods, o)
		case *ReplicaSet:
			pods = append(pods, &Pod{ObjectMeta: o.Spec.Template.ObjectMeta, Spec: o.Spec.Template.Spec})
		case *Deployment:
			pods = append(pods, &Pod{ObjectMeta: o.Spec.Template.ObjectMeta, Spec: o.Spec.Template.Spec})
		}
		for _, p := range pods {
			checkDefaultPodShared(t, p)
			d := CopyObject(p).(*Pod)
			Default(d)
			checkDefaultPodShared(t, d)
			n++
		}
	}
	if n < 4 {
		t.Fatalf("only %d pods checked", n)
	}
}
