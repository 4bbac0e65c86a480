package apiserver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/store"
	"github.com/capstan-dev/capstan/server/etcdserver/etcdtest"
	"github.com/capstan-dev/capstan/server/etcdstore"
	"github.com/capstan-dev/capstan/server/storage"
)

// BenchmarkPodCreate creates pods through the REST handler over HTTP on
// loopback from 32 concurrent clients, over the in-memory Locked backend,
// and reports creates/s and the p50 and p99 latency of one create.
//
//	go test -run '^$' -bench PodCreate -benchtime 20000x ./server/apiserver
func BenchmarkPodCreate(b *testing.B) {
	benchPodCreate(b, storage.NewLocked(store.NewMemory()))
}

// BenchmarkPodCreateEtcd is BenchmarkPodCreate over server/etcdstore on
// one embedded etcd member (in-process client, fsync on: etcd's
// defaults but fast raft timings).
func BenchmarkPodCreateEtcd(b *testing.B) {
	m := etcdtest.Member(b, false)
	benchPodCreate(b, etcdstore.New(m.Client(), etcdstore.Options{}))
}

func benchPodCreate(b *testing.B, backend storage.Backend) {
	const clients = 32
	h, err := New(Config{Backend: backend, Authenticator: AllowAll{}, Authorizer: AllowAll{}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	post := func(path, body string) (int, error) {
		resp, err := client.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := post("/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}}`); err != nil || code != 201 {
		b.Fatal(code, err)
	}
	// A realistic pod: a Deployment's, with labels, resources and a port.
	const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-%d","labels":{"app":"web","pod-template-hash":"5d8f"}},` +
		`"spec":{"containers":[{"name":"nginx","image":"nginx:1.14.2","ports":[{"containerPort":80}],` +
		`"resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"200m","memory":"128Mi"}}}]}}`
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				code, err := post("/api/v1/namespaces/default/pods", fmt.Sprintf(pod, i))
				latencies[i] = time.Since(t0)
				if err != nil || code != 201 {
					failed.Store(fmt.Sprintf("create %d: %d %v", i, code, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	// CPU per create, server and in-process clients together: the figure
	// that does not depend on what else the machine runs.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/create")
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
