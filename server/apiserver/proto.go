package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/capstan-dev/capstan/core/api"
)

// Protobuf request bodies. kubectl's generators (create namespace, create
// configmap, create deployment, ...) and client-go clients configured for
// protobuf send Kubernetes' protobuf encoding: the magic "k8s\x00", then a
// runtime.Unknown envelope holding the apiVersion, kind and the object's
// protobuf. capstan's own types have no protobuf form, so the body is
// decoded with k8s.io/api's generated code, written as JSON, and decoded
// from there like any JSON body. Protobuf cannot tell an unset field from
// an empty one, so the JSON's nulls and empty objects are dropped first
// (they would otherwise name fields capstan does not have). Answers are
// always JSON (or YAML); clients that send protobuf accept JSON too.

var protoMagic = []byte("k8s\x00")

type protoObject interface{ Unmarshal([]byte) error }

// protoKinds makes the k8s.io/api object of each kind capstan serves.
var protoKinds = map[string]func() protoObject{
	"v1/Namespace":             func() protoObject { return &corev1.Namespace{} },
	"v1/Node":                  func() protoObject { return &corev1.Node{} },
	"v1/Pod":                   func() protoObject { return &corev1.Pod{} },
	"v1/Service":               func() protoObject { return &corev1.Service{} },
	"v1/Endpoints":             func() protoObject { return &corev1.Endpoints{} },
	"v1/Secret":                func() protoObject { return &corev1.Secret{} },
	"v1/ConfigMap":             func() protoObject { return &corev1.ConfigMap{} },
	"v1/PersistentVolume":      func() protoObject { return &corev1.PersistentVolume{} },
	"v1/PersistentVolumeClaim": func() protoObject { return &corev1.PersistentVolumeClaim{} },
	"v1/ServiceAccount":        func() protoObject { return &corev1.ServiceAccount{} },
	"v1/Event":                 func() protoObject { return &corev1.Event{} },
	"v1/Binding":               func() protoObject { return &corev1.Binding{} },
	"apps/v1/ReplicaSet":       func() protoObject { return &appsv1.ReplicaSet{} },
	"apps/v1/Deployment":       func() protoObject { return &appsv1.Deployment{} },
	"autoscaling/v1/Scale":     func() protoObject { return &autoscalingv1.Scale{} },
	// A DELETE's body: client-go names its group either way.
	"v1/DeleteOptions":             func() protoObject { return &metav1.DeleteOptions{} },
	"meta.k8s.io/v1/DeleteOptions": func() protoObject { return &metav1.DeleteOptions{} },
	"coordination.k8s.io/v1/Lease": func() protoObject {
		return &coordinationv1.Lease{}
	},
}

// protoToJSON converts a protobuf body to the JSON of the same object.
func protoToJSON(body []byte) ([]byte, error) {
	if !bytes.HasPrefix(body, protoMagic) {
		return nil, api.NewBadRequest(`the body is not a Kubernetes protobuf message (it must start with "k8s\x00")`)
	}
	var u runtime.Unknown
	if err := u.Unmarshal(body[len(protoMagic):]); err != nil {
		return nil, api.NewBadRequest(fmt.Sprintf("the body's protobuf envelope could not be decoded: %v", err))
	}
	newObj, ok := protoKinds[u.APIVersion+"/"+u.Kind]
	if !ok {
		return nil, newUnsupportedMediaType(mediaProto+" ("+u.APIVersion+" "+u.Kind+")", []string{mediaJSON, mediaYAML})
	}
	obj := newObj()
	if err := obj.Unmarshal(u.Raw); err != nil {
		return nil, api.NewBadRequest(fmt.Sprintf("the body's %s could not be decoded from protobuf: %v", u.Kind, err))
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, api.NewBadRequest(fmt.Sprintf("the body's %s could not be converted to JSON: %v", u.Kind, err))
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, api.NewInternalError(err)
	}
	pruneEmpty(m)
	m["apiVersion"], m["kind"] = u.APIVersion, u.Kind
	return json.Marshal(m)
}

// pruneEmpty drops nulls and empty objects from m, recursively.
func pruneEmpty(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneEmpty(x)
			if len(x) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					pruneEmpty(em)
				}
			}
		}
	}
}
