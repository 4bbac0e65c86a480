package volumes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/core/node"
)

var pod = node.PodRef{Namespace: "default", Name: "p", UID: "uid-1"}

// TestConfigMapFilesRewritten: files are written with their modes, a
// second setup replaces changed data and removes files no longer
// projected, and paths leaving the volume are refused.
func TestConfigMapFilesRewritten(t *testing.T) {
	m := New(t.TempDir())
	v := node.SetupVolume{Pod: pod, Volume: "cfg", Kind: node.VolumeConfigMap, Files: []node.File{
		{Path: "a.conf", Mode: 0o600, Data: []byte("one")}, {Path: "sub/b.conf", Data: []byte("two")}}}
	if err := m.Setup(v); err != nil {
		t.Fatal(err)
	}
	dir := m.Dir(pod.UID, node.VolumeConfigMap, "cfg")
	if st, err := os.Stat(filepath.Join(dir, "a.conf")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("a.conf: %v %v", st, err)
	}
	v.Files = []node.File{{Path: "a.conf", Mode: 0o644, Data: []byte("uno")}}
	if err := m.Setup(v); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.conf")); string(b) != "uno" {
		t.Fatalf("a.conf after update = %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub/b.conf")); !os.IsNotExist(err) {
		t.Fatalf("b.conf not removed: %v", err)
	}
	v.Files = []node.File{{Path: "../escape", Data: []byte("x")}}
	if err := m.Setup(v); err == nil || !strings.Contains(err.Error(), "leaves the volume") {
		t.Fatalf("escaping path: %v", err)
	}
	if err := m.Teardown(node.TeardownVolume{Pod: pod, Volume: "cfg", Kind: node.VolumeConfigMap}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("volume directory left: %v", err)
	}
}

// TestHostPathTypes: each hostPath type checks or creates what it says.
func TestHostPathTypes(t *testing.T) {
	m := New(t.TempDir())
	base := t.TempDir()
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, typ string
		ok        bool
	}{
		{filepath.Join(base, "new/dir"), "DirectoryOrCreate", true},
		{filepath.Join(base, "missing"), "Directory", false},
		{base, "Directory", true},
		{file, "Directory", false},
		{filepath.Join(base, "new/file"), "FileOrCreate", true},
		{file, "File", true},
		{base, "File", false},
		{filepath.Join(base, "anything"), "", true},
		{base, "Bogus", false},
	}
	for _, c := range cases {
		err := m.Setup(node.SetupVolume{Pod: pod, Volume: "h", Kind: node.VolumeHostPath, Source: c.path, HostPathType: c.typ})
		if (err == nil) != c.ok {
			t.Errorf("hostPath %s type %q: %v, want ok=%v", c.path, c.typ, err, c.ok)
		}
	}
	if st, err := os.Stat(filepath.Join(base, "new/dir")); err != nil || !st.IsDir() {
		t.Errorf("DirectoryOrCreate did not create: %v", err)
	}
	// Teardown keeps hostPath data.
	if err := m.Teardown(node.TeardownVolume{Pod: pod, Volume: "h", Kind: node.VolumeHostPath}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal("hostPath data removed by teardown")
	}
}
