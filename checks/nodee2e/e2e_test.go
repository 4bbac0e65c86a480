package nodee2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
)

const web = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox
        imagePullPolicy: IfNotPresent
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www']
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /, port: http}
          periodSeconds: 1
`

// TestDeploymentRunsOnANode: a Deployment of 3 busybox httpd replicas is
// scheduled on the node, its pods become Running and Ready (HTTP
// readiness probes) with addresses from the node's pod range, and each
// address answers with the pod's own name. Beside them, a pod whose
// server stops answering its TCP liveness probe is restarted.
func TestDeploymentRunsOnANode(t *testing.T) {
	t.Parallel()
	cl := newCluster(t)
	cl.node("e2e-1", "10.254.1.0/24", "cape2e1")
	live := agenttest.Pod("live", `httpd -f -p 8081 -h /tmp & p=$!; sleep 2; kill $p; exec sleep 3600`)
	live.Spec.Containers[0].LivenessProbe = &api.Probe{PeriodSeconds: 1, FailureThreshold: 1,
		ProbeHandler: api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(8081)}}}
	agenttest.Create(t, cl.api, live)
	cl.apply(fmt.Sprintf(web, 3))
	var pods []*api.Pod
	cl.eventually("3 ready web pods", 60*time.Second, func() (bool, string) {
		pods = cl.pods("web")
		ready := 0
		for _, p := range pods {
			if isReady(p) && p.Status.Phase == "Running" && p.DeletionTimestamp == nil {
				ready++
			}
		}
		return ready == 3 && len(pods) == 3, fmt.Sprintf("%d of %d pods ready", ready, len(pods))
	})
	seen := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName != "e2e-1" || !strings.HasPrefix(p.Status.PodIP, "10.254.1.") || seen[p.Status.PodIP] {
			t.Fatalf("pod %s on %q with IP %q", p.Name, p.Spec.NodeName, p.Status.PodIP)
		}
		seen[p.Status.PodIP] = true
		body, err := agenttest.HTTPGet("http://" + p.Status.PodIP + ":8080/")
		if err != nil || strings.TrimSpace(body) != p.Name {
			t.Fatalf("GET pod %s at %s: %q %v", p.Name, p.Status.PodIP, body, err)
		}
	}
	cl.eventually("live restarted by its liveness probe", 30*time.Second, func() (bool, string) {
		ps := cl.pods("live")
		if len(ps) != 1 || len(ps[0].Status.ContainerStatuses) != 1 {
			return false, "no status"
		}
		s := ps[0].Status.ContainerStatuses[0]
		return s.RestartCount >= 1 && s.LastState.Terminated != nil, fmt.Sprintf("%+v", s)
	})
}

// TestNodeLossMovesPods: two agents (two node names, two containerd
// namespaces, two bridges); the one running the pods stops: its node goes
// NotReady (Unknown) and its pods are recreated on the other node, where
// they run.
func TestNodeLossMovesPods(t *testing.T) {
	t.Parallel()
	cl := newCluster(t)
	a := cl.node("e2e-a", "10.254.2.0/24", "cape2ea")
	cl.apply(fmt.Sprintf(web, 2))
	cl.eventually("2 running pods on e2e-a", 60*time.Second, func() (bool, string) {
		n := 0
		for _, p := range cl.pods("web") {
			if p.Spec.NodeName == "e2e-a" && p.Status.Phase == "Running" {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d running", n)
	})
	cl.node("e2e-b", "10.254.3.0/24", "cape2eb")
	a.Stop()
	cl.eventually("e2e-a not ready", 30*time.Second, func() (bool, string) {
		o, err := cl.c.Get(context.Background(), "Node", "", "e2e-a")
		if err != nil {
			return false, err.Error()
		}
		c := o.(*api.Node).Condition(api.NodeReady)
		return c != nil && c.Status != api.ConditionTrue, fmt.Sprintf("Ready=%+v", c)
	})
	cl.eventually("2 ready pods on e2e-b", 60*time.Second, func() (bool, string) {
		n := 0
		var where []string
		for _, p := range cl.pods("web") {
			where = append(where, p.Name+"@"+p.Spec.NodeName+":"+p.Status.Phase)
			if p.Spec.NodeName == "e2e-b" && p.DeletionTimestamp == nil && isReady(p) &&
				strings.HasPrefix(p.Status.PodIP, "10.254.3.") {
				n++
			}
		}
		return n == 2, strings.Join(where, " ")
	})
}
