package cptest

import (
	"fmt"

	"github.com/capstan-dev/capstan/core/api"
)

// Deployment returns a Deployment of replicas nginx pods named name in
// namespace default, each asking for 100m CPU and 64Mi.
func Deployment(name string, replicas int) api.Object {
	objs, err := api.DecodeManifests([]byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %s, namespace: default}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources: {requests: {cpu: 100m, memory: 64Mi}}
`, name, replicas, name, name)))
	if err != nil || len(objs) != 1 {
		panic(fmt.Sprintf("cptest: the Deployment manifest: %v", err))
	}
	return objs[0]
}
