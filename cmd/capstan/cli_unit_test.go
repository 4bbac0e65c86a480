package main

import (
	"fmt"
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

func TestResolveKind(t *testing.T) {
	for name, want := range map[string]string{
		"po": "Pod", "pods": "Pod", "pod": "Pod", "Pod": "Pod", "deploy": "Deployment", "deployments.apps": "Deployment",
		"deployment.apps": "Deployment", "svc": "Service", "no": "Node", "ns": "Namespace", "rs": "ReplicaSet",
		"ep": "Endpoints", "cm": "ConfigMap", "sa": "ServiceAccount", "pv": "PersistentVolume",
		"pvc": "PersistentVolumeClaim", "ev": "Event", "leases.coordination.k8s.io": "Lease", "secrets": "Secret",
	} {
		info, err := resolveKind(name)
		if err != nil || info.Kind != want {
			t.Errorf("resolveKind(%q) = %v, %v; want %s", name, info, err, want)
		}
	}
	if _, err := resolveKind("widgets"); err == nil || err.Error() != `the server doesn't have a resource type "widgets"` {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestDescribeError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{api.NewNotFound("deployments", "web"), `Error from server (NotFound): deployments.apps "web" not found`},
		{api.NewAlreadyExists("pods", "p"), `Error from server (AlreadyExists): pods "p" already exists`},
		{api.NewInvalid("Deployment", "web", api.ErrorList{api.NewPath("spec", "replicas").Invalid(-1, "must be greater than or equal to 0")}),
			`The Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`},
		{fmt.Errorf("boom"), "error: boom"},
	} {
		if got := describeError(tc.err); got != tc.want {
			t.Errorf("describeError(%v) =\n%s\nwant\n%s", tc.err, got, tc.want)
		}
	}
}

func TestDeploymentRolloutStatus(t *testing.T) {
	three := int32(3)
	d := func(gen, observed int64, st api.DeploymentStatus) *api.Deployment {
		return &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", Generation: gen}, Spec: api.DeploymentSpec{Replicas: &three},
			Status: func() api.DeploymentStatus { st.ObservedGeneration = observed; return st }()}
	}
	for _, tc := range []struct {
		d    *api.Deployment
		want string
		done bool
	}{
		{d(2, 1, api.DeploymentStatus{}), "Waiting for deployment spec update to be observed...\n", false},
		{d(2, 2, api.DeploymentStatus{Replicas: 4, UpdatedReplicas: 1}), "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n", false},
		{d(2, 2, api.DeploymentStatus{Replicas: 4, UpdatedReplicas: 3}), "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n", false},
		{d(2, 2, api.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 2}), "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n", false},
		{d(2, 2, api.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3}), "deployment \"web\" successfully rolled out\n", true},
	} {
		msg, done, err := deploymentRolloutStatus(tc.d)
		if err != nil || msg != tc.want || done != tc.done {
			t.Errorf("got %q %v %v, want %q %v", msg, done, err, tc.want, tc.done)
		}
	}
	timedOut := d(1, 1, api.DeploymentStatus{Conditions: []api.DeploymentCondition{{Type: api.DeploymentProgressing, Status: "False", Reason: "ProgressDeadlineExceeded"}}})
	if _, _, err := deploymentRolloutStatus(timedOut); err == nil || err.Error() != `deployment "web" exceeded its progress deadline` {
		t.Errorf("progress deadline: %v", err)
	}
}
