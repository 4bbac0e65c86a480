package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/containerd/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/capstan-dev/capstan/core/node"
)

// create makes the container a describes (not its task) and returns its id.
func (r *Runtime) create(ctx context.Context, a node.CreateContainer) (string, error) {
	uid := a.Pod.UID
	t0 := time.Now()
	name, err := NormalizeImage(a.Image)
	if err != nil {
		return "", fmt.Errorf("invalid image %q: %w", a.Image, err)
	}
	img, err := r.c.GetImage(ctx, name)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", name, err)
	}
	parent, err := r.unpacked(ctx, img)
	if err != nil {
		return "", err
	}
	r.timed(uid, "image", t0)
	id, err := newID()
	if err != nil {
		return "", err
	}
	defer r.lockPod(a.Pod.UID)()
	var nsPath string
	if !a.HostNetwork {
		if r.cfg.Network == nil {
			return "", fmt.Errorf("no pod network configured: only hostNetwork pods can run")
		}
		t := time.Now()
		if _, nsPath, err = r.cfg.Network.Setup(ctx, a.Pod.UID); err != nil {
			return "", err
		}
		r.timed(uid, "network", t)
	}
	opts, err := r.specOpts(img, a, nsPath)
	if err != nil {
		return "", err
	}
	labels := map[string]string{
		LabelPodUID: a.Pod.UID, LabelPodNamespace: a.Pod.Namespace, LabelPodName: a.Pod.Name,
		LabelContainer: a.Container, LabelAttempt: strconv.Itoa(int(a.Attempt)),
		LabelHostNetwork: strconv.FormatBool(a.HostNetwork),
	}
	t := time.Now()
	_, err = r.c.NewContainer(ctx, id,
		containerd.WithImage(img),
		r.timedOpt(uid, "snapshot", withSnapshot(id, img.Name(), parent)),
		r.timedOpt(uid, "spec", containerd.WithNewSpec(opts...)),
		containerd.WithContainerLabels(labels))
	r.timed(uid, "container", t)
	if err != nil {
		// A half-made container must not stay behind (nor its network).
		if ctr, lerr := r.c.LoadContainer(ctx, id); lerr == nil {
			_ = ctr.Delete(ctx, containerd.WithSnapshotCleanup)
		}
		r.releaseNetworkIfUnused(ctx, a.Pod.UID)
		if errdefs.IsNotFound(err) {
			r.forgetImage(name) // its layers' snapshot may be gone
		}
		return "", fmt.Errorf("create container: %w", err)
	}
	return id, nil
}

// withSnapshot gives the container a new writable snapshot id over its
// image's layers (parent, their chain ID): containerd.WithNewSnapshot
// without reading the image's manifest and config and asking containerd
// for the snapshotter's capabilities each time.
func withSnapshot(id, image, parent string) containerd.NewContainerOpts {
	return func(ctx context.Context, c *containerd.Client, ctr *containers.Container) error {
		if _, err := c.SnapshotService(Snapshotter).Prepare(ctx, id, parent); err != nil {
			return err
		}
		ctr.Snapshotter, ctr.SnapshotKey, ctr.Image = Snapshotter, id, image
		return nil
	}
}

// ShimGroupAnnotation groups containers into one shim process: the
// runc v2 shim serves every container whose spec carries the same value.
const ShimGroupAnnotation = "io.containerd.runc.v2.group"

// specOpts builds the OCI spec of container a from its image's config.
func (r *Runtime) specOpts(img containerd.Image, a node.CreateContainer, nsPath string) ([]oci.SpecOpts, error) {
	var opts []oci.SpecOpts
	// Command replaces the image's entrypoint and cmd; args alone replace
	// its cmd (the kubelet's rules).
	switch {
	case len(a.Command) > 0:
		opts = append(opts, oci.WithImageConfig(img), oci.WithProcessArgs(append(append([]string{}, a.Command...), a.Args...)...))
	case len(a.Args) > 0:
		opts = append(opts, oci.WithImageConfigArgs(img, a.Args))
	default:
		opts = append(opts, oci.WithImageConfig(img))
	}
	if len(a.Env) > 0 {
		env := make([]string, len(a.Env))
		for i, e := range a.Env {
			env[i] = e.Name + "=" + e.Value
		}
		opts = append(opts, oci.WithEnv(env))
	}
	if a.WorkingDir != "" {
		opts = append(opts, oci.WithProcessCwd(a.WorkingDir))
	}
	if a.HostNetwork {
		opts = append(opts, oci.WithHostNamespace(specs.NetworkNamespace), oci.WithHostHostsFile, oci.WithHostResolvconf)
	} else {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: nsPath}),
			oci.WithHostname(a.Pod.Name), oci.WithHostResolvconf)
	}
	mounts, err := r.mounts(a)
	if err != nil {
		return nil, err
	}
	if len(mounts) > 0 {
		opts = append(opts, oci.WithMounts(mounts))
	}
	opts = append(opts, resourceOpts(a.Resources)...)
	// One shim serves all of a pod's containers, as the CRI's pod
	// sandbox has it (containerd's runc shim groups by this annotation).
	opts = append(opts, oci.WithAnnotations(map[string]string{ShimGroupAnnotation: a.Pod.UID}))
	s := a.Security
	switch {
	case s.RunAsUser != nil && s.RunAsGroup != nil:
		opts = append(opts, oci.WithUIDGID(uint32(*s.RunAsUser), uint32(*s.RunAsGroup)))
	case s.RunAsUser != nil:
		opts = append(opts, oci.WithUserID(uint32(*s.RunAsUser)))
	}
	if s.FSGroup != nil {
		opts = append(opts, oci.WithAppendAdditionalGroups(strconv.FormatInt(*s.FSGroup, 10)))
	}
	if s.ReadOnlyRootFilesystem != nil && *s.ReadOnlyRootFilesystem {
		opts = append(opts, oci.WithRootFSReadonly())
	}
	if s.Privileged != nil && *s.Privileged {
		opts = append(opts, oci.WithPrivileged, oci.WithAllDevicesAllowed, oci.WithHostDevices)
	} else if s.AllowPrivilegeEscalation != nil && !*s.AllowPrivilegeEscalation {
		opts = append(opts, oci.WithNoNewPrivileges)
	}
	return opts, nil
}

// resourceOpts turns requests and limits into cgroup settings: the CPU
// limit is a CFS quota per 100 ms period, the CPU request the shares (as
// the kubelet: millicores * 1024 / 1000, at least 2), the memory limit the
// memory cgroup's limit.
func resourceOpts(res node.Resources) []oci.SpecOpts {
	const period = 100000 // µs
	var opts []oci.SpecOpts
	shares := uint64(res.CPURequestMillis * 1024 / 1000)
	if shares < 2 {
		shares = 2
	}
	opts = append(opts, oci.WithCPUShares(shares))
	if res.CPULimitMillis > 0 {
		quota := res.CPULimitMillis * period / 1000
		if quota < 1000 {
			quota = 1000 // the kernel's minimum
		}
		opts = append(opts, oci.WithCPUCFS(quota, period))
	}
	if res.MemoryLimit > 0 {
		opts = append(opts, oci.WithMemoryLimit(uint64(res.MemoryLimit)))
	}
	return opts
}

// mounts binds the container's volume mounts.
func (r *Runtime) mounts(a node.CreateContainer) ([]specs.Mount, error) {
	out := make([]specs.Mount, 0, len(a.Mounts))
	for _, m := range a.Mounts {
		src := r.cfg.Volumes.HostPath(a.Pod.UID, m)
		if m.SubPath != "" {
			sub := filepath.Clean(m.SubPath)
			if filepath.IsAbs(sub) || sub == ".." || len(sub) > 2 && sub[:3] == "../" {
				return nil, fmt.Errorf("volume mount %q: subPath %q leaves the volume", m.Volume, m.SubPath)
			}
			src = filepath.Join(src, sub)
			if _, err := os.Stat(src); os.IsNotExist(err) {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, fmt.Errorf("volume mount %q: %w", m.Volume, err)
				}
			}
		}
		if _, err := os.Stat(src); err != nil {
			return nil, fmt.Errorf("volume mount %q: %w", m.Volume, err)
		}
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		out = append(out, specs.Mount{Destination: m.MountPath, Type: "bind", Source: src,
			Options: []string{"rbind", "rprivate", mode}})
	}
	return out, nil
}

// lockPod serialises network setup and release of one pod.
func (r *Runtime) lockPod(uid string) func() {
	r.mu.Lock()
	l := r.podLocks[uid]
	if l == nil {
		l = &podLock{}
		r.podLocks[uid] = l
	}
	l.refs++
	r.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		r.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(r.podLocks, uid)
		}
		r.mu.Unlock()
	}
}

// releaseNetworkIfUnused tears down pod uid's network when none of its
// containers remain. The caller holds the pod's lock.
func (r *Runtime) releaseNetworkIfUnused(ctx context.Context, uid string) error {
	if r.cfg.Network == nil {
		return nil
	}
	ctrs, err := r.c.Containers(ctx, fmt.Sprintf("labels.%q==%q", LabelPodUID, uid))
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("list containers of pod %s: %w", uid, err)
	}
	if len(ctrs) > 0 {
		return nil
	}
	return r.cfg.Network.Teardown(ctx, uid)
}
