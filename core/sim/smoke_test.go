package sim

import (
	"testing"

	"github.com/capstan-dev/capstan/core/api"
)

func TestSmoke(t *testing.T) {
	c := New(Config{Seed: 1})
	for _, n := range []string{"n1", "n2", "n3"} {
		if err := c.AddNode(NodeSpec{Name: n, Zone: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := api.DecodeManifests([]byte(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(objs); err != nil {
		t.Fatal(err)
	}
	c.Run(30 * 1e9)
	if err := c.Stabilize(0); err != nil {
		t.Error(err)
	}
	t.Log("\n" + c.Describe())
	t.Log("\n" + c.LogText())
	t.Log("\n" + c.DescribeEvents())
}
