// Package runtime runs core/node's runtime actions on containerd: it is
// the real counterpart of core/sim's fake runtime and answers each action
// with the same observations (node.Input values), successes and failures
// alike.
//
//	EnsureImage      → ImageReady | ImagePullFailed
//	CreateContainer  → ContainerCreated | ContainerCreateFailed
//	StartContainer   → ContainerStarted | ContainerStartFailed, later ContainerExited
//	KillContainer    → ContainerKilled | RuntimeOpFailed{kill}
//	RemoveContainer  → ContainerRemoved | RuntimeOpFailed{remove}
//	SetupVolume      → VolumeReady | VolumeSetupFailed
//	TeardownVolume   → VolumeTornDown | RuntimeOpFailed{teardown}
//
// Containers carry labels naming their pod (uid, namespace, name), their
// container name and attempt, and when they started, so that a restarted
// agent adopts them (Inventory) instead of restarting them. Each pod not on
// the host network gets its own network namespace and address (podnet) on
// its first container; the namespace goes when its last container is
// removed. A pod's containers share one shim process
// (ShimGroupAnnotation), as under the CRI's pod sandbox. Each container's
// stdout and stderr go to a log file under the data directory (LogPath).
// A process that ends is reported through the observe callback given to
// New, with OOMKilled as its reason when the kernel's OOM killer ended it.
//
// RunProbe is not handled here: nodeagent/probe runs probes, with Exec for
// exec probes.
//
// Not done yet: tty and stdin (a container's output always goes to its log
// file), a pod-level cgroup (each container has its own, under the
// namespace's), /etc/hosts for pods (they get the host's resolv.conf),
// image pull secrets, and pulling from a registry is untested (no registry
// is reachable where the tests run; a pull that fails falls back to an
// image present, e.g. imported).
package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
	"github.com/capstan-dev/capstan/nodeagent/podnet"
	"github.com/capstan-dev/capstan/nodeagent/volumes"
)

// Labels on every container the runtime creates.
const (
	LabelPodUID       = "capstan.dev/pod-uid"
	LabelPodNamespace = "capstan.dev/pod-namespace"
	LabelPodName      = "capstan.dev/pod-name"
	LabelContainer    = "capstan.dev/container"
	LabelAttempt      = "capstan.dev/attempt"
	LabelHostNetwork  = "capstan.dev/host-network"
	// LabelStartedAt and LabelOOM are set when the task starts and when
	// the OOM killer hits it (RFC 3339 with nanoseconds; "true").
	LabelStartedAt = "capstan.dev/started-at"
	LabelOOM       = "capstan.dev/oom-killed"
)

// IDPrefix starts the container ids the runtime gives core/node (and
// so the pod statuses' containerID, as the kubelet shows them); the
// containerd id is what follows.
const IDPrefix = "containerd://"

func extID(id string) string { return IDPrefix + id }
func intID(id string) string { return strings.TrimPrefix(id, IDPrefix) }

// Snapshotter is the snapshotter images are unpacked for.
const Snapshotter = "overlayfs"

// Config configures a Runtime.
type Config struct {
	// Client talks to containerd; Namespace is the containerd namespace
	// of the node's containers and images.
	Client    *containerd.Client
	Namespace string
	// DataDir holds the logs (logs/).
	DataDir string
	// Network gives pods their namespaces and addresses.
	Network *podnet.Network
	// Volumes lays out pod volumes.
	Volumes *volumes.Manager
	// Observe receives what happens on its own: container exits. It must
	// not block for long.
	Observe func(node.Input)
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Log receives diagnostics (slog.Default if nil).
	Log *slog.Logger
}

// Runtime executes runtime actions on containerd. Its methods are safe for
// concurrent use; core/node never sends two actions for one container at
// once.
type Runtime struct {
	cfg Config
	c   *containerd.Client

	mu sync.Mutex
	// watched: containers whose task has an exit watcher, with the
	// channel closed when the exit has been recorded.
	watched map[string]*watch
	// ooms: containers the OOM killer hit (from the /tasks/oom event).
	ooms map[string]bool
	// images are the images found unpacked, by name.
	images map[string]unpackedImage
	// podLocks serialise the creation and removal of one pod's
	// containers, which set up and release its network.
	podLocks map[string]*podLock
}

type podLock struct {
	mu   sync.Mutex
	refs int
}

// watch follows one started task.
type watch struct {
	// killing: a KillContainer is in progress; the exit is its answer.
	killing bool
	done    chan struct{}
	code    int32
	at      time.Time
	reason  string
}

// New returns a Runtime over cfg.Client. Call Run to follow containerd's
// events (OOM kills) and Inventory to learn what containerd already runs.
func New(cfg Config) (*Runtime, error) {
	if cfg.Client == nil || cfg.Namespace == "" || cfg.DataDir == "" || cfg.Volumes == nil || cfg.Observe == nil {
		return nil, errors.New("runtime: Client, Namespace, DataDir, Volumes and Observe are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	return &Runtime{cfg: cfg, c: cfg.Client, watched: map[string]*watch{}, ooms: map[string]bool{},
		images: map[string]unpackedImage{}, podLocks: map[string]*podLock{}}, nil
}

// ctx returns ctx in the runtime's containerd namespace.
func (r *Runtime) ctx(ctx context.Context) context.Context {
	return nsCtx(ctx, r.cfg.Namespace)
}

func (r *Runtime) now() api.Time { return api.Time(r.cfg.Now().UnixNano()) }

// Do executes one action and returns its answer. It returns nil for
// RunProbe (see nodeagent/probe).
func (r *Runtime) Do(ctx context.Context, a node.Action) node.Input {
	ctx = r.ctx(ctx)
	switch a := a.(type) {
	case node.EnsureImage:
		return r.ensureImage(ctx, a)
	case node.CreateContainer:
		id, err := r.create(ctx, a)
		if err != nil {
			return node.ContainerCreateFailed{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, Message: err.Error()}
		}
		return node.ContainerCreated{PodUID: a.Pod.UID, Container: a.Container, Attempt: a.Attempt, ID: extID(id)}
	case node.StartContainer:
		at, err := r.start(ctx, intID(a.ID))
		if err != nil {
			return node.ContainerStartFailed{ID: a.ID, Message: err.Error()}
		}
		return node.ContainerStarted{ID: a.ID, At: api.Time(at.UnixNano())}
	case node.KillContainer:
		code, at, err := r.kill(ctx, intID(a.ID), a.GracePeriod)
		if err != nil {
			return node.RuntimeOpFailed{Op: "kill", ID: a.ID, Message: err.Error()}
		}
		return node.ContainerKilled{ID: a.ID, ExitCode: code, At: api.Time(at.UnixNano())}
	case node.RemoveContainer:
		if err := r.remove(ctx, intID(a.ID)); err != nil {
			return node.RuntimeOpFailed{Op: "remove", ID: a.ID, Message: err.Error()}
		}
		return node.ContainerRemoved{ID: a.ID}
	case node.SetupVolume:
		if err := r.cfg.Volumes.Setup(a); err != nil {
			return node.VolumeSetupFailed{PodUID: a.Pod.UID, Volume: a.Volume, Message: err.Error()}
		}
		return node.VolumeReady{PodUID: a.Pod.UID, Volume: a.Volume}
	case node.TeardownVolume:
		if err := r.cfg.Volumes.Teardown(a); err != nil {
			return node.RuntimeOpFailed{Op: "teardown", PodUID: a.Pod.UID, Volume: a.Volume, Message: err.Error()}
		}
		return node.VolumeTornDown{PodUID: a.Pod.UID, Volume: a.Volume}
	}
	return nil
}

// PodIP returns the address of pod uid's network, if it has one.
func (r *Runtime) PodIP(uid string) (string, bool) {
	if r.cfg.Network == nil {
		return "", false
	}
	return r.cfg.Network.IP(uid)
}

// LogPath is the log file of attempt attempt of container name of pod.
func (r *Runtime) LogPath(pod node.PodRef, name string, attempt int32) string {
	return filepath.Join(r.cfg.DataDir, "logs", pod.Namespace+"_"+pod.Name+"_"+pod.UID, name, strconv.Itoa(int(attempt))+".log")
}

// newID returns a fresh container id: 32 random hex digits.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("runtime: container id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Healthy reports whether containerd answers.
func (r *Runtime) Healthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ok, err := r.c.IsServing(ctx)
	if err != nil {
		return fmt.Errorf("containerd: %w", err)
	}
	if !ok {
		return errors.New("containerd is not serving")
	}
	return nil
}

func nsCtx(ctx context.Context, ns string) context.Context { return namespaces.WithNamespace(ctx, ns) }
