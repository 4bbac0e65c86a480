// Package volumes lays out pod volumes on the node, answering core/node's
// SetupVolume and TeardownVolume actions:
//
//   - emptyDir: a directory under the pod's directory (a tmpfs, with the
//     size limit, for medium Memory), deleted with the pod;
//   - secret and configMap: the projected files, written afresh on every
//     setup (an update of the object rewrites them); a secret volume is a
//     tmpfs so its data never touches the disk; containers mount both
//     read-only;
//   - hostPath: the node's path, checked or created as its type says;
//   - persistentVolumeClaim: the bound local PV's directory, created if
//     missing and never deleted: its data outlives the pod.
//
// Pod directories live under DataDir/pods/<pod uid>/volumes/<kind>/<name>,
// like the kubelet's /var/lib/kubelet/pods.
package volumes

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/capstan-dev/capstan/core/node"
)

// Manager sets volumes up and tears them down. Its methods are safe for
// concurrent use on different volumes; core/node never acts twice at once
// on one volume.
type Manager struct {
	dataDir string
}

// New returns a Manager keeping pod directories under dataDir.
func New(dataDir string) *Manager { return &Manager{dataDir: dataDir} }

// PodDir is the directory of pod uid's files.
func (m *Manager) PodDir(uid string) string { return filepath.Join(m.dataDir, "pods", uid) }

// Dir is the directory of a volume the manager lays out itself (emptyDir,
// secret, configMap).
func (m *Manager) Dir(uid string, kind node.VolumeKind, name string) string {
	return filepath.Join(m.PodDir(uid), "volumes", string(kind), name)
}

// HostPath returns the host directory a container mount binds: the
// volume's own directory, or Source for hostPath and PVC volumes.
func (m *Manager) HostPath(uid string, mt node.Mount) string {
	if mt.Source != "" {
		return mt.Source
	}
	return m.Dir(uid, mt.Kind, mt.Volume)
}

// Setup prepares the volume a describes.
func (m *Manager) Setup(a node.SetupVolume) error {
	var err error
	switch a.Kind {
	case node.VolumeEmptyDir:
		err = m.setupEmptyDir(a)
	case node.VolumeSecret, node.VolumeConfigMap:
		err = m.setupFiles(a)
	case node.VolumeHostPath:
		err = setupHostPath(a.Source, a.HostPathType)
	case node.VolumePVC:
		if a.Source == "" {
			err = errors.New("the bound persistent volume has no local or hostPath directory")
		} else {
			err = os.MkdirAll(a.Source, 0o755)
		}
	default:
		err = fmt.Errorf("unsupported volume kind %q", a.Kind)
	}
	if err != nil {
		return fmt.Errorf("volume %q: %w", a.Volume, err)
	}
	return nil
}

func (m *Manager) setupEmptyDir(a node.SetupVolume) error {
	dir := m.Dir(a.Pod.UID, a.Kind, a.Volume)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o777); err != nil { // as the kubelet: any user of the pod writes
		return err
	}
	if a.Medium != "Memory" || isMount(dir) {
		return nil
	}
	opts := "mode=0777"
	if a.SizeLimit > 0 {
		opts += ",size=" + strconv.FormatInt(a.SizeLimit, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs: %w", err)
	}
	return nil
}

// setupFiles writes a secret's or configMap's files, removing files that
// are no longer projected.
func (m *Manager) setupFiles(a node.SetupVolume) error {
	dir := m.Dir(a.Pod.UID, a.Kind, a.Volume)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if a.Kind == node.VolumeSecret && !isMount(dir) {
		if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
			return fmt.Errorf("mount tmpfs: %w", err)
		}
	}
	want := map[string]bool{}
	for _, f := range a.Files {
		rel := filepath.Clean(f.Path)
		if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("file path %q leaves the volume", f.Path)
		}
		want[rel] = true
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if f.Mode > 0 {
			mode = os.FileMode(f.Mode) & 0o777
		}
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.Data) {
			if err := os.Chmod(p, mode); err != nil {
				return err
			}
			continue
		}
		tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
		if err := os.WriteFile(tmp, f.Data, mode); err != nil {
			return err
		}
		if err := os.Chmod(tmp, mode); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !want[rel] {
			return os.Remove(p)
		}
		return nil
	})
}

// setupHostPath checks or creates the path as the hostPath type says.
func setupHostPath(path, typ string) error {
	st, err := os.Stat(path)
	switch typ {
	case "", "Socket", "CharDevice", "BlockDevice":
		if typ != "" && err != nil {
			return fmt.Errorf("hostPath %s: %w", path, err)
		}
		return nil
	case "DirectoryOrCreate":
		if err != nil {
			return os.MkdirAll(path, 0o755)
		}
		if !st.IsDir() {
			return fmt.Errorf("hostPath %s is not a directory", path)
		}
	case "Directory":
		if err != nil {
			return fmt.Errorf("hostPath %s: %w", path, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("hostPath %s is not a directory", path)
		}
	case "FileOrCreate":
		if err != nil {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		if st.IsDir() {
			return fmt.Errorf("hostPath %s is a directory, not a file", path)
		}
	case "File":
		if err != nil {
			return fmt.Errorf("hostPath %s: %w", path, err)
		}
		if st.IsDir() {
			return fmt.Errorf("hostPath %s is a directory, not a file", path)
		}
	default:
		return fmt.Errorf("hostPath type %q is not supported", typ)
	}
	return nil
}

// Teardown releases the volume a describes: the contents of emptyDir,
// secret and configMap volumes are deleted; hostPath and persistent
// volume data stays.
func (m *Manager) Teardown(a node.TeardownVolume) error {
	switch a.Kind {
	case node.VolumeEmptyDir, node.VolumeSecret, node.VolumeConfigMap:
		dir := m.Dir(a.Pod.UID, a.Kind, a.Volume)
		if isMount(dir) {
			if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
				return fmt.Errorf("volume %q: unmount: %w", a.Volume, err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("volume %q: %w", a.Volume, err)
		}
		m.removeEmptyParents(a.Pod.UID, filepath.Dir(dir))
	}
	return nil
}

// removeEmptyParents removes dir and its parents up to the pod's directory
// while they are empty.
func (m *Manager) removeEmptyParents(uid, dir string) {
	stop := filepath.Dir(m.PodDir(uid))
	for dir != stop && strings.HasPrefix(dir, stop) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// isMount reports whether dir is a mount point (its device differs from
// its parent's).
func isMount(dir string) bool {
	var a, b unix.Stat_t
	if unix.Stat(dir, &a) != nil || unix.Stat(filepath.Dir(dir), &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}
