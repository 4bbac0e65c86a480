package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

func watchLine(w http.ResponseWriter, typ EventType, obj any) {
	b, _ := json.Marshal(map[string]any{"type": typ, "object": obj})
	w.Write(append(b, '\n'))
	w.(http.Flusher).Flush()
}

func podAt(name, rv string) *api.Pod {
	p := pod("team", name)
	p.ResourceVersion = rv
	return p
}

// TestWatchResumes: the server ends the stream twice (once after a
// bookmark); the watcher resumes from the last version each time, and a
// 410 ends the watch with an error the caller recognises.
func TestWatchResumes(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	var seenRV []string
	f.on("GET /api/v1/namespaces/team/pods", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("watch") != "1" || q.Get("labelSelector") != "app=web" {
			w.WriteHeader(400)
			return
		}
		mu.Lock()
		seenRV = append(seenRV, q.Get("resourceVersion"))
		n := len(seenRV)
		mu.Unlock()
		switch n {
		case 1:
			watchLine(w, Added, podAt("a", "11"))
			watchLine(w, Modified, podAt("a", "12"))
		case 2:
			watchLine(w, Bookmark, map[string]any{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"resourceVersion": "15"}})
		case 3:
			watchLine(w, Deleted, podAt("a", "16"))
		default:
			watchLine(w, Error, api.NewResourceExpired("too old resource version: 16 (20)").Status())
		}
	})
	w, err := f.client(t).Watch(context.Background(), "Pod", "team", ListOptions{ResourceVersion: "10", LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	w.minBackoff = time.Millisecond
	var got []string
	for {
		ev, err := w.Next()
		if err != nil {
			if !api.IsResourceExpired(err) {
				t.Fatalf("watch ended with %v", err)
			}
			break
		}
		got = append(got, fmt.Sprintf("%s %s@%s", ev.Type, ev.Object.GetObjectMeta().Name, ev.Object.GetObjectMeta().ResourceVersion))
	}
	want := []string{"ADDED a@11", "MODIFIED a@12", "DELETED a@16"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seenRV) != "[10 12 15 16]" {
		t.Errorf("resumed from %v, want [10 12 15 16]", seenRV)
	}
	if _, err := w.Next(); !api.IsResourceExpired(err) {
		t.Errorf("error not sticky: %v", err)
	}
}

func TestWatchRefusedAndStopped(t *testing.T) {
	f := newFake(t)
	f.json("GET /api/v1/namespaces/team/secrets", 403, api.NewForbidden("secrets", "", fmt.Errorf("no")).Status())
	if _, err := f.client(t).Watch(context.Background(), "Secret", "team", ListOptions{}); !api.IsForbidden(err) {
		t.Errorf("refused watch: %v", err)
	}
	// A watch that never sends anything returns from Next after Stop.
	f.on("GET /api/v1/nodes", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	w, err := f.client(t).Watch(context.Background(), "Node", "", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { _, err := w.Next(); done <- err }()
	time.Sleep(20 * time.Millisecond)
	w.Stop()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Next after Stop: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Stop")
	}
}

func TestWatchMalformedStream(t *testing.T) {
	f := newFake(t)
	f.on("GET /api/v1/namespaces/team/pods", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\nthis is not json\n")
	})
	w, err := f.client(t).Watch(context.Background(), "Pod", "team", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if ev, err := w.Next(); err != nil || ev.Object.GetObjectMeta().Name != "a" {
		t.Fatalf("first event: %v %v", ev, err)
	}
	if _, err := w.Next(); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("malformed stream: %v", err)
	}
}
