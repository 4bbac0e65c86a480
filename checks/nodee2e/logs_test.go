package nodee2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/nodeagent/agenttest"
)

// talkerScript counts its runs in /state (an emptyDir, which outlives
// the container), prints five numbered lines, fails on its first run
// (so that the container restarts), and on later runs waits for
// /state/go before printing one more line.
const talkerScript = `n=$(( $(cat /state/n 2>/dev/null || echo 0) + 1 )); echo $n > /state/n
for i in 1 2 3 4 5; do echo "run $n line $i"; done
if [ $n = 1 ]; then exit 3; fi
while [ ! -e /state/go ]; do sleep 0.1; done
echo "run $n after follow"
exec sleep 3600`

func runLines(run int, from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "run %d line %d\n", run, i)
	}
	return b.String()
}

// TestLogsThroughTheAPIServer: `GET pods/NAME/log` on the API server,
// which proxies it to the logs endpoint (HTTPS, token required) of the
// agent of the pod's node, returns what the container wrote: the current
// instance's lines, the last N with tailLines, the container asked for
// (a pod of two), the instance before a restart with previous, and, with
// follow, a line the container writes after the request started. Bad
// requests get the API's errors.
func TestLogsThroughTheAPIServer(t *testing.T) {
	t.Parallel()
	cl := newCluster(t)
	n := cl.node("e2e-l", "10.254.5.0/24", "cape2el")
	p := agenttest.Pod("talker", talkerScript)
	p.Spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "state", MountPath: "/state"}}
	p.Spec.Containers = append(p.Spec.Containers, agenttest.Container("side", `echo "side says hi"; exec sleep 3600`))
	p.Spec.Volumes = []api.Volume{{Name: "state", EmptyDir: &api.EmptyDirVolumeSource{}}}
	agenttest.Create(t, cl.api, p)

	var main api.ContainerStatus
	cl.eventually("talker restarted once and running", 60*time.Second, func() (bool, string) {
		ps := cl.pods("talker")
		if len(ps) != 1 {
			return false, "no pod"
		}
		for _, s := range ps[0].Status.ContainerStatuses {
			if s.Name == "main" {
				main = s
			}
		}
		return main.RestartCount == 1 && main.State.Running != nil, fmt.Sprintf("%+v", ps[0].Status.ContainerStatuses)
	})
	if last := main.LastState.Terminated; last == nil || last.ExitCode != 3 {
		t.Fatalf("main's last state: %+v, want its first run's exit 3", main.LastState)
	}

	ctx := context.Background()
	read := func(o client.LogOptions) (string, error) {
		body, err := cl.c.Logs(ctx, "default", "talker", o)
		if err != nil {
			return "", err
		}
		defer body.Close()
		b, err := io.ReadAll(body)
		return string(b), err
	}
	// The second run writes its lines, and side its one, as they run:
	// poll until they are all in the files.
	cl.eventually("the current instances' logs", 10*time.Second, func() (bool, string) {
		got, err := read(client.LogOptions{Container: "main"})
		side, serr := read(client.LogOptions{Container: "side"})
		return err == nil && got == runLines(2, 1, 5) && serr == nil && side == "side says hi\n",
			fmt.Sprintf("main %q %v, side %q %v", got, err, side, serr)
	})
	for _, c := range []struct {
		what string
		o    client.LogOptions
		want string
	}{
		{"tailLines=2", client.LogOptions{Container: "main", Tail: true, TailLines: 2}, runLines(2, 4, 5)},
		{"tailLines=0", client.LogOptions{Container: "main", Tail: true, TailLines: 0}, ""},
		{"previous", client.LogOptions{Container: "main", Previous: true}, runLines(1, 1, 5)},
		{"previous, tailLines=1", client.LogOptions{Container: "main", Previous: true, Tail: true, TailLines: 1}, runLines(1, 5, 5)},
		{"container=side", client.LogOptions{Container: "side"}, "side says hi\n"},
		{"limitBytes=11", client.LogOptions{Container: "main", LimitBytes: 11}, "run 2 line "},
	} {
		if got, err := read(c.o); err != nil || got != c.want {
			t.Errorf("log with %s: %q %v, want %q", c.what, got, err, c.want)
		}
	}
	for _, c := range []struct {
		what string
		o    client.LogOptions
		code int32
		want string
	}{
		{"no container named", client.LogOptions{}, 400, "a container name must be specified for pod talker, choose one of: [main side]"},
		{"an unknown container", client.LogOptions{Container: "nope"}, 400, "container nope is not valid for pod talker"},
		{"previous of a container never restarted", client.LogOptions{Container: "side", Previous: true}, 404,
			"no log of container side of pod talker on node e2e-l"},
	} {
		_, err := read(c.o)
		se, ok := err.(*api.StatusError)
		if !ok || se.ErrStatus.Code != c.code || !strings.Contains(se.ErrStatus.Message, c.want) {
			t.Errorf("log of %s: %v, want a %d Status containing %q", c.what, err, c.code, c.want)
		}
	}

	// follow: the stream gives what is there, stays open, and gives the
	// line the container writes once told to, after the request began.
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, err := cl.c.Logs(fctx, "default", "talker", client.LogOptions{Container: "main", Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(want string) {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok || l != want {
				t.Fatalf("followed log: %q (open %v), want %q", l, ok, want)
			}
		case <-fctx.Done():
			t.Fatalf("followed log: no %q within 30s", want)
		}
	}
	for i := 1; i <= 5; i++ {
		next(fmt.Sprintf("run 2 line %d", i))
	}
	code, out, err := n.Runtime.Exec(ctx, main.ContainerID, []string{"touch", "/state/go"}, 5*time.Second)
	if err != nil || code != 0 {
		t.Fatalf("exec touch /state/go: %d %q %v", code, out, err)
	}
	next("run 2 after follow")
}
