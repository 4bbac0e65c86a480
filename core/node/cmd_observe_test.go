package node_test

import (
	"strings"

	"github.com/cockroachdb/datadriven"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// cmdObserve feeds one runtime observation: observe WHAT TARGET [k=v ...].
// TARGET is POD/CONTAINER (or POD/VOLUME); msg values use _ for spaces.
func (h *harness) cmdObserve(d *datadriven.TestData, out *strings.Builder) {
	what := d.CmdArgs[0].Key
	arg := func(key, def string) string {
		for _, a := range d.CmdArgs {
			if a.Key == key && len(a.Vals) > 0 {
				return a.Vals[0]
			}
		}
		return def
	}
	msg := strings.ReplaceAll(arg("msg", ""), "_", " ")
	code := int32(atoi64(h, arg("code", "0")))
	if what == "runtime" {
		healthy := d.CmdArgs[1].Key == "healthy"
		h.feed(node.RuntimeStatus{Healthy: healthy, Message: msg}, out)
		return
	}
	if what == "write-failed" {
		uid := ""
		if len(d.CmdArgs) > 2 {
			uid = h.pod(d, d.CmdArgs[2].Key).UID
		}
		h.feed(node.WriteFailed{What: d.CmdArgs[1].Key, PodUID: uid}, out)
		return
	}
	if what == "op-failed" {
		op := d.CmdArgs[1].Key
		podName, target, _ := strings.Cut(d.CmdArgs[2].Key, "/")
		if op == "teardown" {
			h.feed(node.RuntimeOpFailed{Op: op, PodUID: h.pod(d, podName).UID, Volume: target, Message: msg}, out)
			return
		}
		h.feed(node.RuntimeOpFailed{Op: op, ID: arg("id", h.ids[podName+"/"+target]), Message: msg}, out)
		return
	}
	podName, target, ok := strings.Cut(d.CmdArgs[1].Key, "/")
	if !ok {
		d.Fatalf(h.t, "observe: want POD/CONTAINER, got %q", d.CmdArgs[1].Key)
	}
	uid := "uid-" + podName
	if p, ok := h.pods[podName]; ok {
		uid = p.UID
	}
	key := podName + "/" + target
	id := arg("id", h.ids[key])
	var in node.Input
	switch what {
	case "pulled":
		in = node.ImageReady{PodUID: uid, Container: target, ImageRef: arg("ref", "sha256:"+target)}
	case "pull-failed":
		in = node.ImagePullFailed{PodUID: uid, Container: target, Reason: arg("reason", ""), Message: msg}
	case "created":
		attempt := h.attempts[key]
		if a := arg("attempt", ""); a != "" {
			attempt = int32(atoi64(h, a))
		}
		id = arg("id", containerID(podName, target, attempt))
		h.ids[key] = id
		in = node.ContainerCreated{PodUID: uid, Container: target, Attempt: attempt, ID: id}
	case "create-failed":
		in = node.ContainerCreateFailed{PodUID: uid, Container: target, Attempt: h.attempts[key], Message: msg}
	case "started":
		in = node.ContainerStarted{ID: id, At: h.now}
	case "start-failed":
		in = node.ContainerStartFailed{ID: id, Message: msg}
	case "exited":
		in = node.ContainerExited{ID: id, ExitCode: code, Reason: arg("reason", ""), Message: msg, FinishedAt: h.now}
	case "killed":
		in = node.ContainerKilled{ID: id, ExitCode: int32(atoi64(h, arg("code", "137"))), At: h.now}
	case "removed":
		in = node.ContainerRemoved{ID: id}
	case "volume-ready":
		in = node.VolumeReady{PodUID: uid, Volume: target}
	case "volume-failed":
		in = node.VolumeSetupFailed{PodUID: uid, Volume: target, Message: msg}
	case "torn-down":
		in = node.VolumeTornDown{PodUID: uid, Volume: target}
	default:
		d.Fatalf(h.t, "observe: unknown observation %q", what)
	}
	h.feed(in, out)
}

// cmdProbe: probe POD/CONTAINER KIND ok|fail [msg=...].
func (h *harness) cmdProbe(d *datadriven.TestData, out *strings.Builder) {
	key := d.CmdArgs[0].Key
	kind, ok := node.ParseProbeKind(d.CmdArgs[1].Key)
	if !ok {
		d.Fatalf(h.t, "probe: unknown kind %q", d.CmdArgs[1].Key)
	}
	res := node.ProbeResult{ID: h.ids[key], Kind: kind, Success: d.CmdArgs[2].Key == "ok"}
	for _, a := range d.CmdArgs[3:] {
		if a.Key == "msg" {
			res.Message = strings.ReplaceAll(a.Vals[0], "_", " ")
		}
	}
	h.feed(res, out)
}

// cmdInventory feeds a RuntimeInventory; each body line is
// ID POD CONTAINER ATTEMPT STATE [started=DUR] [finished=DUR] [code=N],
// times as durations since the epoch.
func (h *harness) cmdInventory(d *datadriven.TestData, out *strings.Builder) {
	var rcs []node.RuntimeContainer
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 5 {
			d.Fatalf(h.t, "inventory: bad line %q", line)
		}
		rc := node.RuntimeContainer{ID: f[0], PodUID: "uid-" + f[1], PodNamespace: "default", PodName: f[1],
			Container: f[2], Attempt: int32(atoi64(h, f[3])), State: f[4]}
		for _, kv := range f[5:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "started":
				rc.StartedAt = api.Time(mustDuration(h.t, v))
			case "finished":
				rc.FinishedAt = api.Time(mustDuration(h.t, v))
			case "code":
				rc.ExitCode = int32(atoi64(h, v))
			case "reason":
				rc.Reason = v
			}
		}
		h.ids[f[1]+"/"+f[2]] = rc.ID
		rcs = append(rcs, rc)
	}
	h.feed(node.RuntimeInventory{Containers: rcs}, out)
}
