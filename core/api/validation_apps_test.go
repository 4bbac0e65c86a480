package api

import (
	"strings"
	"testing"
)

// The invalid manifest of testdata: every problem, in one pass.
func TestValidateInvalidManifest(t *testing.T) {
	obj := decodeOne(t, readTestdata(t, "invalid-deployment.yaml"))
	Default(obj)
	want := []string{
		`metadata.name: Invalid value: "Web_App": ` + msgSubdomain,
		`metadata.labels: Invalid value: "-web": ` + msgLabelVal,
		"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
		`spec.template.metadata.labels: Invalid value: {"app":"api"}: ` + "`selector` does not match template `labels`",
		"spec.template.spec.containers[0].image: Required value",
		`spec.template.spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`,
		`spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"`,
		`spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1`,
		`spec.template.spec.containers[1].name: Duplicate value: "web"`,
		`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`,
		"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
		"spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
		"spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds",
	}
	errs := Validate(obj)
	expectErrors(t, "invalid-deployment.yaml", obj, want)
	// As the API server answers it.
	se := NewInvalid("Deployment", obj.GetObjectMeta().Name, errs)
	wantMsg := `Deployment.apps "Web_App" is invalid: [` + strings.Join(want, ", ") + "]"
	if se.Error() != wantMsg {
		t.Errorf("got  %s\nwant %s", se.Error(), wantMsg)
	}
	if len(se.Status().Details.Causes) != len(want) {
		t.Errorf("%d causes, want %d", len(se.Status().Details.Causes), len(want))
	}
}

func baseDeployment() *Deployment {
	labels := map[string]string{"app": "web"}
	return &Deployment{
		ObjectMeta: ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: DeploymentSpec{
			Selector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: labels}, Spec: basePod().Spec},
		},
	}
}

func TestValidateDeployment(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	ios := func(v IntOrString) *IntOrString { return &v }
	i64 := func(v int64) *int64 { return &v }
	expectErrors(t, "base", baseDeployment(), nil)
	for _, tc := range []struct {
		name   string
		mutate func(d *Deployment)
		want   []string
	}{
		{"selector required", func(d *Deployment) { d.Spec.Selector = nil },
			[]string{"spec.selector: Required value"}},
		{"empty selector", func(d *Deployment) { d.Spec.Selector = &LabelSelector{} },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{"selector does not match", func(d *Deployment) { d.Spec.Template.Labels = nil },
			[]string{"spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"}},
		{"selector expression", func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "tier", Operator: "In", Values: []string{"web"}}}
		}, []string{`spec.template.metadata.labels: Invalid value: {"app":"web"}: ` + "`selector` does not match template `labels`"}},
		{"invalid selector is not matched", func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "tier", Operator: "Maybe"}}
		}, []string{`spec.selector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator`}},
		{"template labels", func(d *Deployment) { d.Spec.Template.Labels["bad key"] = "x" },
			[]string{`spec.template.metadata.labels: Invalid value: "bad key": ` + msgNamePart}},
		{"replicas and history", func(d *Deployment) {
			d.Spec.Replicas, d.Spec.RevisionHistoryLimit, d.Spec.MinReadySeconds = i32(-1), i32(-1), -1
		}, []string{
			"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
			"spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
		}},
		{"progress deadline", func(d *Deployment) { d.Spec.ProgressDeadlineSeconds, d.Spec.MinReadySeconds = i32(10), 10 },
			[]string{"spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"}},
		{"negative progress deadline", func(d *Deployment) { d.Spec.ProgressDeadlineSeconds = i32(-5) },
			[]string{
				"spec.progressDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0",
				"spec.progressDeadlineSeconds: Invalid value: -5: must be greater than minReadySeconds",
			}},
		{"template restart policy and deadline", func(d *Deployment) {
			d.Spec.Template.Spec.RestartPolicy = "OnFailure"
			d.Spec.Template.Spec.ActiveDeadlineSeconds = i64(60)
		}, []string{
			`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`,
			"spec.template.spec.activeDeadlineSeconds: Invalid value: 60: activeDeadlineSeconds in ReplicaSet is not Supported",
		}},
		{"template pod spec", func(d *Deployment) { d.Spec.Template.Spec.Containers[0].Image = "" },
			[]string{"spec.template.spec.containers[0].image: Required value"}},
		{"strategy type", func(d *Deployment) { d.Spec.Strategy.Type = "BlueGreen" },
			[]string{`spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"`}},
		{"recreate with rolling update", func(d *Deployment) {
			d.Spec.Strategy = DeploymentStrategy{Type: "Recreate", RollingUpdate: &RollingUpdateDeployment{}}
		}, []string{"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"}},
		{"bad bounds", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: ios(FromString("abc")), MaxUnavailable: ios(FromString("150%"))}
		}, []string{
			"spec.strategy.rollingUpdate.maxSurge: Invalid value: abc: " + msgPercent,
			"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%",
		}},
		{"negative bound", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: ios(FromInt(-1))}
		}, []string{"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"}},
		{"both zero percent", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: ios(FromString("0%")), MaxUnavailable: ios(FromString("0%"))}
		}, []string{"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0"}},
		{"one zero is fine", func(d *Deployment) {
			d.Spec.Strategy = DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: &RollingUpdateDeployment{MaxUnavailable: ios(FromInt(0))}}
		}, nil},
	} {
		d := baseDeployment()
		tc.mutate(d)
		expectErrors(t, tc.name, d, tc.want)
	}
}

func TestValidateReplicaSet(t *testing.T) {
	base := func() *ReplicaSet {
		d := baseDeployment()
		return &ReplicaSet{ObjectMeta: d.ObjectMeta, Spec: ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template}}
	}
	expectErrors(t, "base", base(), nil)
	neg := int32(-2)
	for _, tc := range []struct {
		name   string
		mutate func(rs *ReplicaSet)
		want   []string
	}{
		{"replicas", func(rs *ReplicaSet) { rs.Spec.Replicas, rs.Spec.MinReadySeconds = &neg, -1 }, []string{
			"spec.replicas: Invalid value: -2: must be greater than or equal to 0",
			"spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
		}},
		{"selector", func(rs *ReplicaSet) { rs.Spec.Selector = nil }, []string{"spec.selector: Required value"}},
		{"empty selector", func(rs *ReplicaSet) { rs.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{}} },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{"mismatch", func(rs *ReplicaSet) { rs.Spec.Template.Labels = map[string]string{"app": "api"} },
			[]string{`spec.template.metadata.labels: Invalid value: {"app":"api"}: ` + "`selector` does not match template `labels`"}},
		{"restart policy", func(rs *ReplicaSet) { rs.Spec.Template.Spec.RestartPolicy = "Never" },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
	} {
		rs := base()
		tc.mutate(rs)
		expectErrors(t, tc.name, rs, tc.want)
	}
}
