package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/registry"
	"github.com/capstan-dev/capstan/server"
	"github.com/capstan-dev/capstan/server/controlplane/cptest"
)

// BenchmarkDeploymentToBound measures the control plane of a real server
// (embedded etcd with fsync): a Deployment of 1,000 replicas created
// through the API until every pod is bound, on 100 fake nodes. It reports
// pods/s from the Deployment's creation to the last binding (ReplicaSet,
// 1,000 pod creates, 1,000 binds, status writes and events, all through
// etcd).
func BenchmarkDeploymentToBound(b *testing.B) {
	const replicas, nodes = 1000, 100
	dir := b.TempDir()
	s, err := server.Start(context.Background(), server.Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown()
	reg := registry.New(s.Backend, registry.Config{Seed: 9})
	for i := range nodes {
		if err := cptest.Register(reg, fmt.Sprintf("node-%03d", i), api.Time(time.Now().UnixNano())); err != nil {
			b.Fatal(err)
		}
	}
	c := adminClientB(b, s)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		before := metricValueB(b, s, "capstan_scheduler_bindings_total")
		start := time.Now()
		if _, err := c.Create(context.Background(), cptest.Deployment(fmt.Sprintf("bench-%d", i), replicas)); err != nil {
			b.Fatal(err)
		}
		for metricValueB(b, s, "capstan_scheduler_bindings_total")-before < replicas {
			if time.Since(start) > 5*time.Minute {
				b.Fatal("not all pods bound in 5 minutes")
			}
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(replicas*b.N)/total.Seconds(), "pods/s")
	if testing.Verbose() {
		mfs, _ := s.Metrics.Gather()
		for _, mf := range mfs {
			if !strings.HasPrefix(mf.GetName(), "capstan_controlplane_write") && !strings.HasPrefix(mf.GetName(), "capstan_etcd_request_duration") {
				continue
			}
			for _, m := range mf.GetMetric() {
				var labels []string
				for _, l := range m.GetLabel() {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
				if h := m.GetHistogram(); h != nil {
					b.Logf("%s %v n=%d mean=%.2fms", mf.GetName(), labels, h.GetSampleCount(), 1000*h.GetSampleSum()/float64(max(1, h.GetSampleCount())))
				} else {
					b.Logf("%s %v %v", mf.GetName(), labels, m.GetCounter().GetValue())
				}
			}
		}
	}
	b.ReportMetric(0, "ns/op")
}
