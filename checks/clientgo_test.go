package checks

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/storage"
)

// client-go, the Kubernetes Go client, against capstan's API server: it
// creates, gets, lists and watches Deployments and Pods with its typed
// clientset (JSON and, where client-go prefers it, protobuf bodies), and
// decodes every answer into k8s.io/api types. client-go lives in checks/
// only: core stays free of k8s.io modules.
func TestClientGo(t *testing.T) {
	h, err := apiserver.New(apiserver.Config{Backend: storage.NewLocked(store.NewMemory()),
		Authenticator: apiserver.AllowAll{}, Authorizer: apiserver.AllowAll{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "go"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	if v, err := cs.Discovery().ServerVersion(); err != nil || v.GitVersion == "" {
		t.Fatalf("server version: %v, %v", v, err)
	}

	pods, err := cs.CoreV1().Pods("go").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch pods: %v", err)
	}
	defer pods.Stop()

	replicas := int32(3)
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}},
			},
		},
	}
	got, err := cs.AppsV1().Deployments("go").Create(ctx, dep, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if got.UID == "" || got.ResourceVersion == "" || got.Generation != 1 || got.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		t.Fatalf("created deployment lacks what the server sets: uid %q rv %q generation %d strategy %q",
			got.UID, got.ResourceVersion, got.Generation, got.Spec.Strategy.Type)
	}
	if _, err := cs.AppsV1().Deployments("go").Create(ctx, dep, metav1.CreateOptions{}); err == nil {
		t.Fatal("a second create of the same Deployment succeeded")
	}
	list, err := cs.AppsV1().Deployments("go").List(ctx, metav1.ListOptions{LabelSelector: ""})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != "web" {
		t.Fatalf("list deployments: %v, %v", list, err)
	}

	// Scale through the scale subresource, as kubectl and HPAs do.
	sc, err := cs.AppsV1().Deployments("go").GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || sc.Spec.Replicas != 3 {
		t.Fatalf("get scale: %v, %v", sc, err)
	}
	sc.Spec.Replicas = 5
	if _, err := cs.AppsV1().Deployments("go").UpdateScale(ctx, "web", sc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update scale: %v", err)
	}
	if d, err := cs.AppsV1().Deployments("go").Get(ctx, "web", metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 5 {
		t.Fatalf("after scale: %v, %v", d, err)
	}

	// Pods: create two, list them by label, see them in the watch.
	for _, name := range []string{"p1", "p2"} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"role": "test"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
		if _, err := cs.CoreV1().Pods("go").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", name, err)
		}
	}
	pl, err := cs.CoreV1().Pods("go").List(ctx, metav1.ListOptions{LabelSelector: "role=test"})
	if err != nil || len(pl.Items) != 2 {
		t.Fatalf("list pods: %v, %v", pl, err)
	}
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case ev, ok := <-pods.ResultChan():
			if !ok {
				t.Fatal("the pod watch closed")
			}
			if ev.Type == watch.Added {
				seen[ev.Object.(*corev1.Pod).Name] = true
			}
		case <-ctx.Done():
			t.Fatalf("the watch saw %v of p1, p2", seen)
		}
	}
	if err := cs.CoreV1().Pods("go").Delete(ctx, "p1", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	if _, err := cs.CoreV1().Pods("go").Get(ctx, "nope", metav1.GetOptions{}); err == nil {
		t.Fatal("get of a missing pod succeeded")
	}
}
