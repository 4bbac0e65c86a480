package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

// applyScenario is a live object and a manifest that kubectl apply sends
// against it.
type applyScenario struct {
	name     string
	live     string // YAML; its last-applied annotation is what kubectl diffs against
	manifest string // YAML
	// gone are members (paths of member names) the manifest dropped, which
	// the result must not have.
	gone [][]string
	// differs: the result differs from kubectl patch --local's on purpose
	// (see the testdata case it mirrors).
	differs bool
}

var applyScenarios = []applyScenario{
	{
		name: "service-ports",
		live: `apiVersion: v1
kind: Service
metadata:
  name: s
  namespace: default
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"s","namespace":"default"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080},{"name":"admin","port":9000}],"selector":{"app":"web"},"type":"NodePort"}}'
spec:
  type: NodePort
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP, nodePort: 30080}
  - {name: admin, port: 9000, targetPort: 9000, protocol: TCP, nodePort: 30900}
`,
		manifest: `apiVersion: v1
kind: Service
metadata: {name: s, namespace: default}
spec:
  type: NodePort
  selector: {app: web, tier: front}
  ports:
  - {name: https, port: 443, targetPort: 8443}
  - {name: http, port: 80, targetPort: 8081}
`,
		gone: [][]string{},
	},
	{
		name: "pod-labels-finalizers-env",
		live: `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: default
  labels: {app: web, stale: "yes", injected: "by-server"}
  finalizers: [example.com/a, example.com/b, example.com/server]
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"finalizers":["example.com/a","example.com/b"],"labels":{"app":"web","stale":"yes"},"name":"p","namespace":"default"},"spec":{"containers":[{"env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"image":"nginx","name":"main","volumeMounts":[{"mountPath":"/data","name":"data"}]}],"tolerations":[{"key":"k","operator":"Exists"}],"volumes":[{"emptyDir":{},"name":"data"}]}}'
spec:
  nodeName: n1
  containers:
  - name: main
    image: nginx
    imagePullPolicy: Always
    env:
    - {name: A, value: "1"}
    - name: B
      valueFrom: {fieldRef: {apiVersion: v1, fieldPath: metadata.name}}
    volumeMounts:
    - {mountPath: /data, name: data}
    - {mountPath: /var/run/secrets/token, name: token, readOnly: true}
  tolerations:
  - {key: k, operator: Exists}
  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
  volumes:
  - {name: data, emptyDir: {}}
  - {name: token, secret: {secretName: t}}
`,
		manifest: `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: default
  labels: {app: web, fresh: "yes"}
  finalizers: [example.com/c, example.com/a]
spec:
  containers:
  - name: main
    image: nginx:2
    env:
    - {name: B, value: plain}
    - {name: C, value: "3"}
    volumeMounts:
    - {mountPath: /cache, name: data}
  tolerations:
  - {key: k2, operator: Exists}
  volumes:
  - {name: data, hostPath: {path: /srv}}
`,
		gone: [][]string{{"metadata", "labels", "stale"}},
		// volumeMounts loses /data and gains /cache beside the server's
		// token mount: Kubernetes orders them by a list its merge has
		// rewritten in place (see testdata/apply.txt), putting the
		// token mount first.
		differs: true,
	},
	{
		name: "deployment-strategy-and-containers",
		live: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: default
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"image":"a","name":"a","ports":[{"containerPort":80}]},{"image":"b","name":"b"}]}}}}'
spec:
  replicas: 2
  selector: {matchLabels: {app: d}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
      - {name: a, image: a, ports: [{containerPort: 80, protocol: TCP}]}
      - {name: b, image: b}
`,
		manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: default}
spec:
  selector: {matchLabels: {app: d}}
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
      - {name: b, image: b2}
      - {name: a, image: a, ports: [{containerPort: 8080}]}
`,
		gone: [][]string{{"spec", "strategy", "rollingUpdate"}},
	},
}

// TestKubectlApplySends runs kubectl apply against a fake API server on
// loopback that serves discovery and one live object, records the
// strategic merge patch kubectl sends, applies it with Apply and checks
// the result: it holds the manifest, members the manifest dropped are
// gone, and it equals what kubectl patch --local makes of the same patch.
// Opt-in (-kubectl), as TestAgainstKubectl.
func TestKubectlApplySends(t *testing.T) {
	kubectl := needKubectl(t)
	for _, sc := range applyScenarios {
		t.Run(sc.name, func(t *testing.T) {
			live, err := yaml.YAMLToJSON([]byte(sc.live))
			if err != nil {
				t.Fatal(err)
			}
			var kind struct{ Kind string }
			if err := json.Unmarshal(live, &kind); err != nil {
				t.Fatal(err)
			}
			srv := newFakeAPIServer(live)
			defer srv.Close()
			dir := t.TempDir()
			kubeconfig := filepath.Join(dir, "kubeconfig")
			manifest := filepath.Join(dir, "manifest.yaml")
			cfg := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: %q}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n", srv.URL)
			if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(manifest, []byte(sc.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(kubectl, "--kubeconfig", kubeconfig, "--cache-dir", filepath.Join(dir, "cache"), "apply", "--validate=false", "-f", manifest).CombinedOutput()
			if err != nil {
				t.Fatalf("kubectl apply: %v: %s", err, out)
			}
			sent, contentType := srv.patch()
			if contentType != StrategicMergePatchType {
				t.Fatalf("kubectl sent a %q patch", contentType)
			}
			t.Logf("kubectl apply sent: %s", sent)
			got, err := Apply(kind.Kind, contentType, live, sent)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			result := mustDecode(t, got)
			mjs, _ := yaml.YAMLToJSON([]byte(sc.manifest))
			if p, ok := contains(result, mustDecode(t, mjs), ""); !ok {
				t.Errorf("the result lacks the manifest's %s:\n%s", p, got)
			}
			for _, g := range sc.gone {
				if has(result, g) {
					t.Errorf("the result still has %s:\n%s", strings.Join(g, "."), got)
				}
			}
			want := kubectlPatchLocal(t, kubectl, dir, live, sent)
			gn, gerr := normalise(got)
			wn, werr := normalise(want)
			if gerr != nil || werr != nil {
				t.Fatalf("normalise: %v, %v", gerr, werr)
			}
			if equal := bytes.Equal(gn, wn); equal == sc.differs {
				t.Errorf("Apply and kubectl patch --local agree: %v (want %v)\nApply:   %s\nkubectl: %s", equal, !sc.differs, gn, wn)
			}
		})
	}
}

// fakeAPIServer answers discovery for the core and apps groups, GETs of
// any object with the live object, and records one PATCH.
type fakeAPIServer struct {
	*httptest.Server
	mu          sync.Mutex
	sent        []byte
	contentType string
}

func newFakeAPIServer(live []byte) *fakeAPIServer {
	f := &fakeAPIServer{}
	reply := func(w http.ResponseWriter, code int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
	resources := func(gv string, list string) string {
		return fmt.Sprintf(`{"kind":"APIResourceList","apiVersion":"v1","groupVersion":%q,"resources":[%s]}`, gv, list)
	}
	res := func(name, kind string) string {
		return fmt.Sprintf(`{"name":%q,"singularName":%q,"namespaced":true,"kind":%q,"verbs":["create","delete","get","list","patch","update"]}`, name, strings.ToLower(kind), kind)
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case r.Method == http.MethodPatch:
			body, _ := io.ReadAll(r.Body)
			f.mu.Lock()
			f.sent, f.contentType = body, r.Header.Get("Content-Type")
			f.mu.Unlock()
			reply(w, 200, string(live))
		case p == "/api":
			reply(w, 200, `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}`)
		case p == "/apis":
			reply(w, 200, `{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}`)
		case p == "/api/v1":
			reply(w, 200, resources("v1", res("pods", "Pod")+","+res("services", "Service")))
		case p == "/apis/apps/v1":
			reply(w, 200, resources("apps/v1", res("deployments", "Deployment")))
		case strings.Contains(p, "/namespaces/"):
			reply(w, 200, string(live))
		default:
			reply(w, 404, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":404,"reason":"NotFound","message":"not found"}`)
		}
	}))
	return f
}

func (f *fakeAPIServer) patch() ([]byte, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent, f.contentType
}

func kubectlPatchLocal(t *testing.T, kubectl, dir string, live, p []byte) []byte {
	file := filepath.Join(dir, "live.json")
	if err := os.WriteFile(file, live, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "patch", "--local", "-f", file, "--type", "strategic", "-p", string(p), "-o", "json")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl patch --local: %v", err)
	}
	return out
}

// contains reports whether have holds want: objects member by member,
// lists element by element in order (have may hold more elements, such
// as ones the server added), scalars equal. It returns where it does not.
func contains(have, want any, at string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return at, false
		}
		for k, wv := range w {
			if p, ok := contains(h[k], wv, at+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		h, ok := have.([]any)
		if !ok {
			return at, false
		}
		j := 0
		for i, we := range w {
			for ; j < len(h); j++ {
				if _, ok := contains(h[j], we, ""); ok {
					break
				}
			}
			if j == len(h) {
				return fmt.Sprintf("%s[%d]", at, i), false
			}
			j++
		}
		return "", true
	}
	return at, equalJSON(have, want)
}

// has reports whether v has a member at path.
func has(v any, path []string) bool {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	return true
}
