package simtest

import (
	"fmt"
	"strings"
)

// The images the generator uses, and how the fake runtime treats them
// (set with "image" commands at time 0). Healthy images run and answer
// their probes (some only after a while); unhealthy ones crash, get
// OOM-killed, never get ready or cannot be pulled.
var (
	healthyImages   = []string{"app:v1", "app:v2", "app:v3"}
	unhealthyImages = []string{"app:crash", "app:oom", "app:unready", "app:badpull"}
	imageRules      = []string{
		"image app:v2 pull-latency=2s readiness=ok-after-3s",
		"image app:v3 start-latency=2s readiness=ok-after-8s",
		"image app:crash exit-after=20s exit-code=1",
		"image app:oom exit-after=12s oom=true",
		"image app:unready readiness=fail",
		"image app:badpull pull=fail",
		"image job:ok exit-after=30s exit-code=0",
		"image job:fail exit-after=20s exit-code=1",
	}
)

func healthy(image string) bool {
	for _, h := range healthyImages {
		if h == image {
			return true
		}
	}
	return false
}

// workload is what the generator made at time 0, for the actions to
// refer to.
type workload struct {
	nodes       []string
	deployments []*deployment
	services    []string // names of services (each svc-<deployment>)
	bareImages  map[string]string
}

// deployment is a generated Deployment: its manifest, kept to re-apply it
// after a delete.
type deployment struct {
	name     string
	replicas int
	recreate bool
	manifest string
	service  string // its Service's manifest, if any
}

// genWorkload adds the setup items: nodes, image behaviours, Deployments,
// Services, sometimes a local PersistentVolume with claims and a pod using
// one, sometimes bare pods that run to completion.
func genWorkload(r *rng, s *Schedule) *workload {
	w := &workload{bareImages: map[string]string{}}
	setup := func(line, body string) { s.Items = append(s.Items, Item{Kind: Setup, Line: line, Body: body}) }

	zones := pick(r, []string{"a"}, []string{"a", "b"}, []string{"a", "b", "c"})
	n := r.between(2, 8)
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("n%d", i)
		w.nodes = append(w.nodes, name)
		size := pick(r, "cpu=2 memory=2Gi pods=8", "cpu=4 memory=8Gi pods=20", "cpu=4 memory=8Gi pods=20", "cpu=8 memory=16Gi pods=110")
		line := fmt.Sprintf("add-node %s %s zone=%s", name, size, zones[(i-1)%len(zones)])
		if r.chance(40) {
			line += " labels=(disk=ssd)"
		}
		if i > 1 && r.chance(20) {
			line += " taints=(" + pick(r, "dedicated=infra:NoSchedule", "dedicated=infra:PreferNoSchedule") + ")"
		}
		setup(line, "")
	}
	for _, rule := range imageRules {
		setup(rule, "")
	}

	m := r.between(1, 4)
	for i := 1; i <= m; i++ {
		d := genDeployment(r, fmt.Sprintf("d%d", i), s.Calm)
		w.deployments = append(w.deployments, d)
		setup("apply", d.manifest)
		if r.chance(60) {
			d.service = genService(r, "svc-"+d.name, d.name)
			w.services = append(w.services, "svc-"+d.name)
			setup("apply", d.service)
		}
	}
	if r.chance(10) {
		setup("apply", genService(r, "svc-none", "nothing"))
	}
	if r.chance(30) {
		genVolumes(r, w, setup)
	}
	if r.chance(30) {
		for i := 1; i <= r.between(1, 2); i++ {
			name := fmt.Sprintf("job%d", i)
			policy, image := pick(r, "Never", "OnFailure"), "job:ok"
			if policy == "Never" && r.chance(50) {
				image = "job:fail"
			}
			w.bareImages[name] = image
			setup("apply", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, labels: {role: job}}
spec:
  restartPolicy: %s
  containers:
  - name: main
    image: %s
    resources: {requests: {cpu: 100m, memory: 64Mi}}`, name, policy, image))
		}
	}
	return w
}

// genDeployment writes a Deployment's manifest: replicas, strategy,
// resources, probes, scheduling constraints.
func genDeployment(r *rng, name string, calm bool) *deployment {
	d := &deployment{name: name, replicas: r.between(1, 6)}
	var spec strings.Builder
	fmt.Fprintf(&spec, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\nspec:\n  replicas: %d\n", name, d.replicas)
	if r.chance(25) {
		d.recreate = true
		spec.WriteString("  strategy: {type: Recreate}\n")
	} else if bounds := pick(r, "", "0 1", "1 0", "1 1", "2 0", "25% 25%", "50% 0", "0 50%", "1 50%"); bounds != "" {
		surge, unavail, _ := strings.Cut(bounds, " ")
		fmt.Fprintf(&spec, "  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: %s, maxUnavailable: %s}}\n", quoteInt(surge), quoteInt(unavail))
	}
	if r.chance(20) {
		fmt.Fprintf(&spec, "  minReadySeconds: %d\n", r.between(1, 10))
	}
	if r.chance(30) {
		fmt.Fprintf(&spec, "  progressDeadlineSeconds: %d\n", r.between(60, 600))
	}
	if r.chance(30) {
		fmt.Fprintf(&spec, "  revisionHistoryLimit: %d\n", r.between(1, 3))
	}
	fmt.Fprintf(&spec, "  selector: {matchLabels: {app: %s}}\n  template:\n    metadata: {labels: {app: %s, tier: %s}}\n    spec:\n", name, name, pick(r, "web", "api"))
	if r.chance(30) {
		spec.WriteString("      tolerations: [{key: dedicated, operator: Equal, value: infra, effect: NoSchedule}]\n")
	}
	if r.chance(15) {
		spec.WriteString("      nodeSelector: {disk: ssd}\n")
	}
	switch {
	case r.chance(20):
		fmt.Fprintf(&spec, "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n"+
			"          - labelSelector: {matchLabels: {app: %s}}\n            topologyKey: kubernetes.io/hostname\n", name)
	case r.chance(15):
		fmt.Fprintf(&spec, "      affinity:\n        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n"+
			"          - weight: 100\n            podAffinityTerm:\n              labelSelector: {matchLabels: {app: %s}}\n              topologyKey: kubernetes.io/hostname\n", name)
	}
	if r.chance(20) {
		fmt.Fprintf(&spec, "      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: topology.kubernetes.io/zone\n"+
			"        whenUnsatisfiable: %s\n        labelSelector: {matchLabels: {app: %s}}\n", pick(r, "DoNotSchedule", "ScheduleAnyway"), name)
	}
	cpu := pick(r, "50m", "100m", "250m", "500m", "1")
	mem := pick(r, "32Mi", "128Mi", "256Mi", "512Mi", "1Gi")
	fmt.Fprintf(&spec, "      containers:\n      - name: app\n        image: app:v1\n        ports: [{name: http, containerPort: 8080}]\n"+
		"        resources: {requests: {cpu: %s, memory: %s}}\n", cpu, mem)
	if r.chance(50) {
		fmt.Fprintf(&spec, "        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: %d}\n", r.between(1, 5))
	}
	d.manifest = strings.TrimRight(spec.String(), "\n")
	return d
}

// quoteInt quotes percentages, which YAML would otherwise take for
// strings anyway, and leaves numbers as numbers.
func quoteInt(s string) string {
	if strings.HasSuffix(s, "%") {
		return `"` + s + `"`
	}
	return s
}

func genService(r *rng, name, app string) string {
	target := pick(r, "http", "8080")
	s := fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  selector: {app: %s}\n  ports: [{port: 80, targetPort: %s}]", name, app, target)
	if r.chance(10) {
		s += "\n  publishNotReadyAddresses: true"
	}
	return s
}

// genVolumes makes a local PersistentVolume on one node, a claim for it
// (sometimes two, which compete), and a pod using the first claim.
func genVolumes(r *rng, w *workload, setup func(line, body string)) {
	node := pick(r, w.nodes...)
	setup("apply", fmt.Sprintf(`apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: local
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [%s]}]`, node))
	claims := 1
	if r.chance(40) {
		claims = 2
	}
	for i := 1; i <= claims; i++ {
		setup("apply", fmt.Sprintf(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data%d}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: local
  resources: {requests: {storage: 5Gi}}`, i))
	}
	w.bareImages["db"] = "app:v1"
	setup("apply", `apiVersion: v1
kind: Pod
metadata: {name: db, labels: {role: db}}
spec:
  tolerations: [{key: dedicated, operator: Exists}]
  containers:
  - name: main
    image: app:v1
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data1}`)
}
