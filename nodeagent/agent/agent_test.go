package agent_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
	"github.com/capstan-dev/capstan/nodeagent/apifake"
	"github.com/capstan-dev/capstan/nodeagent/containerdtest"
	"github.com/capstan-dev/capstan/nodeagent/logs"
)

// These tests run the agent for real: a private containerd, real pod
// networks, against the in-memory API (no controllers: the tests create
// pods already bound to the node).

func getPod(t *testing.T, a *apifake.API, name string) *api.Pod {
	t.Helper()
	o, err := a.Get(context.Background(), "Pod", "default", name)
	if err != nil {
		return nil
	}
	return o.(*api.Pod)
}

// waitPod waits until cond holds for pod name, and returns it.
func waitPod(t *testing.T, a *apifake.API, name, what string, cond func(*api.Pod) bool) *api.Pod {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	var p *api.Pod
	for time.Now().Before(deadline) {
		if p = getPod(t, a, name); cond(p) {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p != nil {
		t.Fatalf("pod %s: not %s; status: %+v", name, what, p.Status)
	}
	t.Fatalf("pod %s: not %s; gone", name, what)
	return nil
}

func running(p *api.Pod) bool { return p != nil && p.Status.Phase == "Running" }

func ready(p *api.Pod) bool {
	if p == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady && c.Status == api.ConditionTrue {
			return true
		}
	}
	return false
}

const webPod = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 2
  containers:
  - name: httpd
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'mkdir -p /www && echo "hello $GREETING" > /www/index.html && echo started && exec httpd -f -p 8080 -h /www']
    env:
    - {name: GREETING, valueFrom: {secretKeyRef: {name: creds, key: greeting}}}
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /index.html, port: http}
      periodSeconds: 1
    volumeMounts: [{name: creds, mountPath: /etc/creds}]
  volumes:
  - {name: creds, secret: {secretName: creds}}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: default}
stringData: {greeting: from-a-secret, password: s3cret}
`

// TestPodLifecycle: a pod with a secret (env and file) and an HTTP
// readiness probe becomes Running and Ready with an IP that answers;
// its log has its output; a process killed from outside restarts the
// container (restartCount 1); an agent restart adopts the container
// (no restart); deleting the pod removes its container and then the pod.
func TestPodLifecycle(t *testing.T) {
	t.Parallel()
	d := containerdtest.Start(t)
	a := apifake.New()
	n := agenttest.Start(t, d, a, agenttest.Options{Name: "n1", PodCIDR: "10.253.1.0/24", Bridge: "capag1"})
	agenttest.Apply(t, a, webPod)
	p := waitPod(t, a, "web", "ready", ready)
	if p.Status.PodIP == "" || !strings.HasPrefix(p.Status.PodIP, "10.253.1.") {
		t.Fatalf("pod IP %q, want one in 10.253.1.0/24", p.Status.PodIP)
	}
	if body, err := agenttest.HTTPGet(fmt.Sprintf("http://%s:8080/", p.Status.PodIP)); err != nil || body != "hello from-a-secret\n" {
		t.Fatalf("GET the pod: %q %v", body, err)
	}
	cs := p.Status.ContainerStatuses[0]
	if !strings.HasPrefix(cs.ContainerID, "containerd://") || cs.RestartCount != 0 || !strings.Contains(cs.ImageID, "@sha256:") {
		t.Fatalf("container status %+v", cs)
	}
	code, out, err := n.Runtime.Exec(context.Background(), cs.ContainerID, []string{"cat", "/etc/creds/password"}, 5*time.Second)
	if err != nil || code != 0 || string(out) != "s3cret" {
		t.Fatalf("secret file in the container: %d %q %v", code, out, err)
	}
	logPath := n.Runtime.LogPath(node.PodRef{Namespace: "default", Name: "web", UID: p.UID}, "httpd", 0)
	out, err = os.ReadFile(logPath)
	if err != nil || string(out) != "started\n" {
		t.Fatalf("log: %q %v", out, err)
	}
	if found, err := logs.Find(filepath.Join(n.Dir, "logs"), "default", "web", "httpd", false); err != nil || found != logPath {
		t.Fatalf("the logs endpoint finds %q %v, want %s", found, err, logPath)
	}
	// The agent restarts: the container keeps running, not restarted.
	n.Restart()
	time.Sleep(time.Second)
	p = waitPod(t, a, "web", "ready after the agent's restart", ready)
	if c := p.Status.ContainerStatuses[0]; c.ContainerID != cs.ContainerID || c.RestartCount != 0 {
		t.Fatalf("after the agent's restart: %+v, want %s still running", c, cs.ContainerID)
	}
	// Its process is killed from outside: the container restarts.
	pid, err := n.TaskPID(cs.ContainerID)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p = waitPod(t, a, "web", "restarted", func(p *api.Pod) bool {
		return p != nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount == 1 && ready(p)
	})
	c := p.Status.ContainerStatuses[0]
	if c.LastState.Terminated == nil || c.LastState.Terminated.ExitCode != 137 || c.ContainerID == cs.ContainerID {
		t.Fatalf("after the kill: %+v", c)
	}
	// Deleted: the container goes, then the pod.
	grace := int64(2)
	if err := a.Delete(context.Background(), "Pod", "default", "web", &grace, ""); err != nil {
		t.Fatal(err)
	}
	waitPod(t, a, "web", "deleted", func(p *api.Pod) bool { return p == nil })
	if k, err := n.Containers(); err != nil || k != 0 {
		t.Fatalf("containers after the pod's deletion: %d %v", k, err)
	}
	if _, ok := n.Network.IP(p.UID); ok {
		t.Fatal("the pod's network is still there")
	}
	node := getNode(t, a, "n1")
	if node.Spec.PodCIDR != "10.253.1.0/24" || node.Labels["kubernetes.io/os"] != "linux" || node.Condition(api.NodeReady) == nil ||
		node.Condition(api.NodeReady).Status != api.ConditionTrue || len(node.Status.Capacity) != 3 {
		t.Fatalf("node %+v", node)
	}
	if _, err := a.Get(context.Background(), "Lease", "kube-node-lease", "n1"); err != nil {
		t.Fatalf("lease: %v", err)
	}
}

func getNode(t *testing.T, a *apifake.API, name string) *api.Node {
	t.Helper()
	o, err := a.Get(context.Background(), "Node", "", name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*api.Node)
}

const probePods = `
apiVersion: v1
kind: Pod
metadata: {name: live, namespace: default}
spec:
  nodeName: n2
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600']
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      periodSeconds: 1
      failureThreshold: 1
---
apiVersion: v1
kind: Pod
metadata: {name: hog, namespace: default}
spec:
  nodeName: n2
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while true; do x="$x$x"; done']
    resources: {limits: {memory: 16Mi}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: %s}
  claimRef: {namespace: default, name: data}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  volumeName: pv1
`

// claimPod is a pod on n2 that runs script once with claim data at /data.
func claimPod(name, script string) *api.Pod {
	p := agenttest.WithClaim(agenttest.Pod(name, script), "data", "/data")
	p.Spec.NodeName, p.Spec.RestartPolicy = "n2", "Never"
	return p
}

func phase(want string) func(*api.Pod) bool {
	return func(p *api.Pod) bool { return p != nil && p.Status.Phase == want }
}

// TestProbesOOMAndPersistentVolume: a failing liveness probe restarts
// its container; a container past its memory limit is OOMKilled; data a
// pod writes to a claim is read by the next pod after the first is
// deleted.
func TestProbesOOMAndPersistentVolume(t *testing.T) {
	t.Parallel()
	d := containerdtest.Start(t)
	a := apifake.New()
	agenttest.Start(t, d, a, agenttest.Options{Name: "n2", PodCIDR: "10.253.2.0/24", Bridge: "capag2"})
	agenttest.Apply(t, a, fmt.Sprintf(probePods, t.TempDir()))
	claim, err := a.Get(context.Background(), "PersistentVolumeClaim", "default", "data")
	if err != nil {
		t.Fatal(err)
	}
	pvc := claim.(*api.PersistentVolumeClaim)
	pvc.Status.Phase = api.ClaimBound
	if _, err := a.UpdateStatus(context.Background(), pvc); err != nil {
		t.Fatal(err)
	}
	agenttest.Create(t, a, claimPod("writer", `echo kept > /data/file`))

	p := waitPod(t, a, "hog", "failed", phase("Failed"))
	if term := p.Status.ContainerStatuses[0].State.Terminated; term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Fatalf("hog: %+v", p.Status.ContainerStatuses[0].State)
	}
	waitPod(t, a, "writer", "succeeded", phase("Succeeded"))
	zero := int64(0)
	if err := a.Delete(context.Background(), "Pod", "default", "writer", &zero, ""); err != nil {
		t.Fatal(err)
	}
	waitPod(t, a, "writer", "deleted", func(p *api.Pod) bool { return p == nil })
	agenttest.Create(t, a, claimPod("reader", `test "$(cat /data/file)" = kept`))
	waitPod(t, a, "reader", "succeeded (it read the data)", phase("Succeeded"))

	p = waitPod(t, a, "live", "restarted by its liveness probe", func(p *api.Pod) bool {
		return p != nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	if last := p.Status.ContainerStatuses[0].LastState.Terminated; last == nil {
		t.Fatalf("live: no last termination: %+v", p.Status.ContainerStatuses[0])
	}
}
