// Package logs serves the containers' log files, which nodeagent/runtime
// writes under DATA/logs/<namespace>_<pod>_<uid>/<container>/<attempt>.log,
// the way the kubelet serves GET /containerLogs/{namespace}/{pod}/{container}
// to the API server (which proxies `capstan logs` and `kubectl logs`):
// tailLines, limitBytes, previous (the instance before the current one)
// and follow (stream as the file grows, until the client goes, the
// container is removed or a newer instance starts).
//
// The endpoint is HTTPS and requires a bearer token (the node's own API
// token, which the API server that issued it presents). The agent
// advertises the endpoint's port in its Node's PortLabel.
package logs

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Options select what of a log to send.
type Options struct {
	// TailLines, if >= 0, sends only the last TailLines lines.
	TailLines int64
	// LimitBytes, if > 0, stops after that many bytes.
	LimitBytes int64
	// Previous reads the instance before the current one.
	Previous bool
	// Follow keeps sending what is appended.
	Follow bool
}

// ErrNotFound is Find's error for a pod, container or instance without
// a log.
var ErrNotFound = errors.New("no such log")

// attempts returns the instances logged in dir, newest first.
func attempts(dir string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".log")); err == nil && strings.HasSuffix(e.Name(), ".log") {
			out = append(out, n)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out, nil
}

// Find returns the log file of a container's current (or previous)
// instance. When several pods of that name have logs (a pod deleted and
// created again), the newest wins.
func Find(logDir, namespace, pod, container string, previous bool) (string, error) {
	if strings.ContainsAny(namespace+pod+container, "/\\") || namespace == "" || pod == "" || container == "" {
		return "", fmt.Errorf("%w: bad name", ErrNotFound)
	}
	dirs, err := filepath.Glob(filepath.Join(logDir, namespace+"_"+pod+"_*", container))
	if err != nil || len(dirs) == 0 {
		return "", fmt.Errorf("%w: container %q of pod %s/%s", ErrNotFound, container, namespace, pod)
	}
	newest, at := "", time.Time{}
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.ModTime().After(at) {
			newest, at = d, st.ModTime()
		}
	}
	as, err := attempts(newest)
	want := 0
	if previous {
		want = 1
	}
	if err != nil || len(as) <= want {
		what := "current"
		if previous {
			what = "previous"
		}
		return "", fmt.Errorf("%w: no %s instance of container %q of pod %s/%s", ErrNotFound, what, container, namespace, pod)
	}
	return filepath.Join(newest, strconv.Itoa(as[want])+".log"), nil
}

// tailOffset returns where the last n lines of f begin.
func tailOffset(f *os.File, n int64) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := st.Size()
	if n < 0 || end == 0 {
		return 0, nil
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	pos, lines := end, int64(0)
	// A final newline ends the last line; it does not start one.
	for pos > 0 {
		size := min(int64(chunk), pos)
		pos -= size
		if _, err := f.ReadAt(buf[:size], pos); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		for i := size - 1; i >= 0; i-- {
			if buf[i] != '\n' || pos+i == end-1 {
				continue
			}
			if lines++; lines == n {
				return pos + i + 1, nil
			}
		}
	}
	if n == 0 {
		return end, nil
	}
	return 0, nil
}

// Write sends the log at path to w as o says. With Follow it returns when
// ctx ends, the file is removed, or a newer instance's log appears beside
// it.
func Write(ctx context.Context, w io.Writer, path string, o Options) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	defer f.Close()
	off, err := tailOffset(f, o.TailLines)
	if err != nil {
		return err
	}
	if o.TailLines == 0 {
		if st, err := f.Stat(); err == nil {
			off = st.Size()
		}
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	var src io.Reader = f
	if o.LimitBytes > 0 {
		src = io.LimitReader(f, o.LimitBytes)
	}
	flush := func() {
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
	}
	if _, err := io.Copy(w, src); err != nil {
		return err
	}
	flush()
	if !o.Follow {
		return nil
	}
	this, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(path), ".log"))
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		n, err := io.Copy(w, src)
		if err != nil {
			return err
		}
		if n > 0 {
			flush()
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return nil // removed
		}
		if as, err := attempts(filepath.Dir(path)); err == nil && len(as) > 0 && as[0] > this {
			_, err := io.Copy(w, src) // what it wrote last
			return err
		}
		if lr, ok := src.(*io.LimitedReader); ok && lr.N <= 0 {
			return nil
		}
	}
}

// Handler serves GET /containerLogs/{namespace}/{pod}/{container} from
// logDir to requests bearing token.
func Handler(logDir, token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		q := r.URL.Query()
		o := Options{TailLines: -1, Previous: q.Get("previous") == "true", Follow: q.Get("follow") == "true"}
		for _, p := range []struct {
			name string
			dst  *int64
		}{{"tailLines", &o.TailLines}, {"limitBytes", &o.LimitBytes}} {
			if s := q.Get(p.name); s != "" {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n < 0 {
					http.Error(w, fmt.Sprintf("%s: must be a non-negative integer, not %q", p.name, s), http.StatusBadRequest)
					return
				}
				*p.dst = n
			}
		}
		path, err := Find(logDir, r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"), o.Previous)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := Write(r.Context(), w, path, o); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(w, "\n[log stream ended: %v]\n", err)
		}
	})
	return mux
}
