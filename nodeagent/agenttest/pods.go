package agenttest

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/nodeapi"
)

// Image is the test image's name in pods: imported into each node's
// namespace by Start, never pulled (pods built by Pod use IfNotPresent).
const Image = "busybox"

// Pod returns a pod named name in namespace default, labelled app=name,
// with one container, main, of the test image running `sh -c script`, and
// a grace period of 1s. Tests set what else they need on it (NodeName,
// RestartPolicy, more containers, probes).
func Pod(name, script string) *api.Pod {
	grace := int64(1)
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}},
		Spec: api.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers:                    []api.Container{Container("main", script)},
		},
	}
}

// Container is a container of the test image running `sh -c script`.
func Container(name, script string) api.Container {
	return api.Container{Name: name, Image: Image, ImagePullPolicy: "IfNotPresent", Command: []string{"sh", "-c", script}}
}

// WithClaim mounts the volume of PersistentVolumeClaim claim at path in
// every container of p (the volume is named after the claim), and
// returns p.
func WithClaim(p *api.Pod, claim, path string) *api.Pod {
	p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: claim,
		PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim}})
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		c.VolumeMounts = append(c.VolumeMounts, api.VolumeMount{Name: claim, MountPath: path})
	}
	return p
}

// Apply creates the objects of a YAML manifest (documents separated by
// ---) through a, and fails t if one cannot be created.
func Apply(t testing.TB, a nodeapi.API, manifest string) {
	t.Helper()
	objs, err := api.DecodeManifests([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	Create(t, a, objs...)
}

// Create creates objs through a, and fails t if one cannot be created.
func Create(t testing.TB, a nodeapi.API, objs ...api.Object) {
	t.Helper()
	for _, o := range objs {
		if _, err := a.Create(context.Background(), o); err != nil {
			t.Fatalf("create %s %s: %v", o.GetTypeMeta().Kind, o.GetObjectMeta().Name, err)
		}
	}
}

// HTTPGet returns the body of a GET of url, given 2s.
func HTTPGet(url string) (string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
