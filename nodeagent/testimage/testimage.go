// Package testimage builds capstan's test image: an OCI image archive with
// one layer holding Debian's static busybox (/usr/bin/busybox from
// busybox-static) and a symlink in /bin for every applet it has (sh,
// httpd, sleep, wget, nc, ...), plus a minimal /etc/passwd and /etc/group.
// No registry is involved: the archive is what `capstan image import`
// and the tests import into containerd.
//
// The archive is deterministic: the same busybox binary gives the same
// bytes (fixed times and owners, sorted entries, an uncompressed layer).
package testimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Name is the image's reference: manifests say `image: busybox`, which
// normalises to it.
const Name = "docker.io/library/busybox:latest"

// DefaultBusybox is where Debian's busybox-static installs the binary.
const DefaultBusybox = "/usr/bin/busybox"

// epoch is the time of every entry: fixed so the bytes are reproducible.
var epoch = time.Unix(0, 0).UTC()

// Build writes the OCI archive (an OCI image layout as a tar) of the test
// image made from the static busybox binary at busybox to w.
func Build(w io.Writer, busybox string) error {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("testimage: read busybox: %w", err)
	}
	applets, err := listApplets(busybox)
	if err != nil {
		return err
	}
	layer, err := rootfsLayer(bin, applets)
	if err != nil {
		return err
	}
	return writeLayout(w, layer)
}

// BuildFile builds the archive into the file at dst (written atomically).
func BuildFile(dst, busybox string) error {
	var buf bytes.Buffer
	if err := Build(&buf, busybox); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("testimage: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("testimage: %w", err)
	}
	return nil
}

// listApplets asks busybox for its applets, sorted.
func listApplets(busybox string) ([]string, error) {
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("testimage: %s --list: %w", busybox, err)
	}
	var applets []string
	for _, a := range strings.Fields(string(out)) {
		if a != "busybox" && !strings.Contains(a, "/") {
			applets = append(applets, a)
		}
	}
	sort.Strings(applets)
	if len(applets) == 0 {
		return nil, fmt.Errorf("testimage: %s lists no applets", busybox)
	}
	return applets, nil
}

// rootfsLayer is the image's one layer, an uncompressed tar.
func rootfsLayer(bin []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := func(h *tar.Header) error {
		h.ModTime, h.Uid, h.Gid, h.Format = epoch, 0, 0, tar.FormatPAX
		return tw.WriteHeader(h)
	}
	dir := func(name string, mode int64) error {
		return hdr(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := hdr(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	steps := []func() error{
		func() error { return dir("bin", 0o755) },
		func() error { return file("bin/busybox", 0o755, bin) },
	}
	for _, a := range applets {
		steps = append(steps, func() error {
			return hdr(&tar.Header{Typeflag: tar.TypeSymlink, Name: path.Join("bin", a), Linkname: "busybox", Mode: 0o777})
		})
	}
	steps = append(steps,
		func() error { return dir("etc", 0o755) },
		func() error {
			return file("etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n"))
		},
		func() error {
			return file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"))
		},
		func() error { return dir("root", 0o700) },
		func() error { return dir("tmp", 0o1777) },
		func() error { return dir("var", 0o755) },
		func() error { return dir("var/www", 0o755) },
	)
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, fmt.Errorf("testimage: layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("testimage: layer: %w", err)
	}
	return buf.Bytes(), nil
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// writeLayout writes the OCI image layout holding layer, as a tar.
func writeLayout(w io.Writer, layer []byte) error {
	layerDesc := descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: digestOf(layer), Size: int64(len(layer))}
	config, err := json.Marshal(map[string]any{
		"created":      epoch.Format(time.RFC3339),
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config": map[string]any{
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd":        []string{"sh"},
			"WorkingDir": "/",
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{layerDesc.Digest}},
	})
	if err != nil {
		return fmt.Errorf("testimage: config: %w", err)
	}
	configDesc := descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: digestOf(config), Size: int64(len(config))}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        configDesc,
		"layers":        []descriptor{layerDesc},
	})
	if err != nil {
		return fmt.Errorf("testimage: manifest: %w", err)
	}
	manifestDesc := descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digestOf(manifest),
		Size: int64(len(manifest)), Annotations: map[string]string{
			"io.containerd.image.name":          Name,
			"org.opencontainers.image.ref.name": "latest",
		}}
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests":     []descriptor{manifestDesc},
	})
	if err != nil {
		return fmt.Errorf("testimage: index: %w", err)
	}
	tw := tar.NewWriter(w)
	type entry struct {
		name string
		data []byte
	}
	entries := []entry{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
	}
	blobs := [][]byte{layer, config, manifest}
	sort.Slice(blobs, func(i, j int) bool { return digestOf(blobs[i]) < digestOf(blobs[j]) })
	for _, b := range blobs {
		entries = append(entries, entry{"blobs/sha256/" + strings.TrimPrefix(digestOf(b), "sha256:"), b})
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return fmt.Errorf("testimage: archive: %w", err)
		}
	}
	for _, e := range entries {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: epoch, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("testimage: archive: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return fmt.Errorf("testimage: archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("testimage: archive: %w", err)
	}
	return nil
}
