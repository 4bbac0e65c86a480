package api

import "testing"

// Validating a valid pod builds its field paths on the stack: only an
// error turns a path into text, so paths do not reach the heap (the
// simulated cluster validates every pod it creates). A FieldPath method
// or validator that keeps a path would make this allocate again.
func TestValidatePodAllocatesNoPaths(t *testing.T) {
	secs := int64(300)
	controller := true
	p := &Pod{
		TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: ObjectMeta{Name: "app-0001-abcde", GenerateName: "app-0001-", Namespace: "default",
			Labels: map[string]string{"app": "app-0001", "pod-template-hash": "5d8f7c9b6"},
			OwnerReferences: []OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "app-0001-5d8f7c9b6",
				UID: "0b5a1d3e-0000-4000-8000-000000000001", Controller: &controller}}},
		Spec: PodSpec{
			Containers: []Container{{Name: "app", Image: "registry.local/app:1", Resources: ResourceRequirements{
				Requests: ResourceList{ResourceCPU: MustParseQuantity("100m"), ResourceMemory: MustParseQuantity("128Mi")}}}},
			Tolerations: []Toleration{
				{Key: TaintNodeNotReady, Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: &secs},
				{Key: TaintNodeUnreachable, Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: &secs}},
		},
	}
	Default(p)
	if errs := Validate(p); len(errs) > 0 {
		t.Fatal(errs)
	}
	// 31 before paths stayed off the heap; what is left is the sorted
	// label keys.
	if n := testing.AllocsPerRun(100, func() { Validate(p) }); n > 2 {
		t.Errorf("Validate of a valid pod allocates %v times, want at most 2", n)
	}
}

// A key is built with one allocation.
func TestKeyForAllocatesOnce(t *testing.T) {
	ns, name := "default", "app-0001-abcde"
	if n := testing.AllocsPerRun(100, func() { _ = KeyFor("pods", ns, name) }); n != 1 {
		t.Errorf("KeyFor allocates %v times, want 1", n)
	}
	if got := KeyFor("pods", ns, name); got != "/registry/pods/default/app-0001-abcde" {
		t.Errorf("KeyFor = %q", got)
	}
}
