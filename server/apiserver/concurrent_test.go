package apiserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Many clients at once through one handler (and one shared registry):
// generated names and UIDs never collide, and read-modify-write cycles
// with resourceVersions lose no update (each 409 is retried). Run with
// -race to check the registry's concurrency seam.
func TestConcurrentClients(t *testing.T) {
	ts := newTestServer(t)
	ns := "/api/v1/namespaces/default"
	ts.mustDo("POST", ns+"/configmaps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"counter"},"data":{"n":"0"}}`, 201)
	const clients, each = 8, 10
	client := ts.srv.Client()
	do := func(method, path, body string) (int, []byte, error) {
		req, err := http.NewRequest(method, ts.srv.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	var mu sync.Mutex
	uids, names := map[string]bool{}, map[string]bool{}
	conflicts := 0
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				code, b, err := do("POST", ns+"/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"w-"},"spec":{"containers":[{"name":"c","image":"x"}]}}`)
				if err != nil || code != 201 {
					errs <- fmt.Errorf("client %d create %d: %d %v %s", c, i, code, err, b)
					return
				}
				var p struct {
					Metadata struct{ Name, UID string }
				}
				_ = json.Unmarshal(b, &p)
				mu.Lock()
				if uids[p.Metadata.UID] || names[p.Metadata.Name] {
					mu.Unlock()
					errs <- fmt.Errorf("duplicate uid %s or name %s", p.Metadata.UID, p.Metadata.Name)
					return
				}
				uids[p.Metadata.UID], names[p.Metadata.Name] = true, true
				mu.Unlock()
				for {
					_, b, err := do("GET", ns+"/configmaps/counter", "")
					if err != nil {
						errs <- err
						return
					}
					var cm map[string]any
					_ = json.Unmarshal(b, &cm)
					n, _ := strconv.Atoi(fmt.Sprint(get(cm, "data", "n")))
					cm["data"] = map[string]string{"n": strconv.Itoa(n + 1)}
					body, _ := json.Marshal(cm)
					code, b, err := do("PUT", ns+"/configmaps/counter", string(body))
					if err == nil && code == 409 {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if err != nil || code != 200 {
						errs <- fmt.Errorf("update: %d %v %s", code, err, b)
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r := ts.mustDo("GET", ns+"/configmaps/counter", "", 200)
	if got := get(r.object(), "data", "n"); got != strconv.Itoa(clients*each) {
		t.Errorf("counter = %v after %d increments (%d conflicts retried)", got, clients*each, conflicts)
	}
	if n := len(itemNames(t, ts.mustDo("GET", ns+"/pods", "", 200))); n != clients*each {
		t.Errorf("%d pods, want %d", n, clients*each)
	}
}
