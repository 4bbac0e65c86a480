package nodee2e

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
)

const appManifests = `
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: default}
stringData: {password: s3cret}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: e2e-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: %s}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
`

const writerPod = `
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: default, labels: {app: writer}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo "env=$PASSWORD file=$(cat /etc/creds/password)" > /data/out && exec sleep 3600']
    env:
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    volumeMounts:
    - {name: creds, mountPath: /etc/creds, readOnly: true}
    - {name: data, mountPath: /data}
  volumes:
  - {name: creds, secret: {secretName: creds}}
  - {name: data, persistentVolumeClaim: {claimName: data}}
`

// TestPodSecretsVolumesRestarts: a secret reaches a container as an env
// var and as a file; the data it writes to a bound claim is read by the
// next pod after it is deleted; an agent restart leaves the container
// running; a killed process restarts its container (restartCount 1),
// and a second kill meets the back-off (CrashLoopBackOff).
func TestPodSecretsVolumesRestarts(t *testing.T) {
	t.Parallel()
	cl := newCluster(t)
	n := cl.node("e2e-p", "10.254.4.0/24", "cape2ep")
	cl.apply(fmt.Sprintf(appManifests, t.TempDir()))
	cl.apply(writerPod)
	status := func() api.ContainerStatus {
		ps := cl.pods("writer")
		if len(ps) != 1 || len(ps[0].Status.ContainerStatuses) != 1 {
			return api.ContainerStatus{}
		}
		return ps[0].Status.ContainerStatuses[0]
	}
	cl.eventually("writer running", 60*time.Second, func() (bool, string) {
		s := status()
		return s.State.Running != nil, fmt.Sprintf("%+v", s.State)
	})
	first := status()
	n.Restart()
	time.Sleep(2 * time.Second)
	if s := status(); s.ContainerID != first.ContainerID || s.RestartCount != 0 || s.State.Running == nil {
		t.Fatalf("after the agent's restart: %+v, want %s still running", s, first.ContainerID)
	}
	kill := func(id string) {
		pid, err := n.TaskPID(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	kill(first.ContainerID)
	cl.eventually("writer restarted once", 30*time.Second, func() (bool, string) {
		s := status()
		return s.RestartCount == 1 && s.State.Running != nil, fmt.Sprintf("%+v", s)
	})
	kill(status().ContainerID)
	cl.eventually("writer backing off", 30*time.Second, func() (bool, string) {
		s := status()
		w := s.State.Waiting
		return w != nil && w.Reason == "CrashLoopBackOff" && strings.Contains(w.Message, "back-off"), fmt.Sprintf("%+v", s)
	})
	grace := int64(1)
	if err := cl.api.Delete(context.Background(), "Pod", "default", "writer", &grace, ""); err != nil {
		t.Fatal(err)
	}
	cl.eventually("writer gone", 30*time.Second, func() (bool, string) { return len(cl.pods("writer")) == 0, "" })
	reader := agenttest.WithClaim(agenttest.Pod("reader", `test "$(cat /data/out)" = "env=s3cret file=s3cret"`), "data", "/data")
	reader.Spec.RestartPolicy = "Never"
	agenttest.Create(t, cl.api, reader)
	cl.eventually("reader succeeded (it read what writer wrote)", 60*time.Second, func() (bool, string) {
		ps := cl.pods("reader")
		if len(ps) != 1 {
			return false, "no reader"
		}
		return ps[0].Status.Phase == "Succeeded", fmt.Sprintf("%s %+v", ps[0].Status.Phase, ps[0].Status.ContainerStatuses)
	})
}
