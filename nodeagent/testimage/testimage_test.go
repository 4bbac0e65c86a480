package testimage

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func build(t *testing.T) []byte {
	t.Helper()
	if _, err := os.Stat(DefaultBusybox); err != nil {
		t.Skipf("%s missing: apt-get install busybox-static", DefaultBusybox)
	}
	var buf bytes.Buffer
	if err := Build(&buf, DefaultBusybox); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func entries(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if h.Typeflag == tar.TypeSymlink {
			data = []byte("-> " + h.Linkname)
		}
		out[h.Name] = data
	}
}

// TestDeterministic: two builds give the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := build(t), build(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the test image differ")
	}
}

// TestLayout: the archive is an OCI layout whose index names the image and
// whose one layer holds busybox and the applets the tests use.
func TestLayout(t *testing.T) {
	files := entries(t, build(t))
	var index struct {
		Manifests []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].Annotations["io.containerd.image.name"] != Name {
		t.Fatalf("index names %+v, want one manifest named %s", index.Manifests, Name)
	}
	blob := func(d string) []byte {
		b, ok := files["blobs/sha256/"+strings.TrimPrefix(d, "sha256:")]
		if !ok {
			t.Fatalf("blob %s missing", d)
		}
		return b
	}
	var manifest struct {
		Layers []struct{ Digest string } `json:"layers"`
	}
	if err := json.Unmarshal(blob(index.Manifests[0].Digest), &manifest); err != nil || len(manifest.Layers) != 1 {
		t.Fatalf("manifest: %v %+v", err, manifest)
	}
	layer := entries(t, blob(manifest.Layers[0].Digest))
	for _, name := range []string{"bin/sh", "bin/httpd", "bin/sleep", "bin/wget", "bin/cat", "bin/nc"} {
		if string(layer[name]) != "-> busybox" {
			t.Errorf("layer: %s is %q, want a symlink to busybox", name, layer[name])
		}
	}
	if len(layer["bin/busybox"]) == 0 {
		t.Error("layer: bin/busybox missing")
	}
}
