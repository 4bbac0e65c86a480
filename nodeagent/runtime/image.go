package runtime

import (
	"context"
	"fmt"
	"io"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/identity"

	"github.com/capstan-dev/capstan/core/node"
)

// PullTimeout bounds a registry pull.
var PullTimeout = 2 * time.Minute

// NormalizeImage returns the full reference of a pod's image, as
// containerd names it ("busybox" → "docker.io/library/busybox:latest").
func NormalizeImage(image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", err
	}
	return reference.TagNameOnly(named).String(), nil
}

// ensureImage makes a.Image present and unpacked, as its pull policy says.
// With Always the registry is asked; when it cannot be reached and the
// image is present (imported with `capstan image import`), the present
// image is used: a node without a registry still runs imported images.
func (r *Runtime) ensureImage(ctx context.Context, a node.EnsureImage) node.Input {
	fail := func(reason, msg string) node.Input {
		return node.ImagePullFailed{PodUID: a.Pod.UID, Container: a.Container, Reason: reason, Message: msg}
	}
	name, err := NormalizeImage(a.Image)
	if err != nil {
		return fail("InvalidImageName", fmt.Sprintf("Failed to apply default image tag %q: %v", a.Image, err))
	}
	img, err := r.c.GetImage(ctx, name)
	present := err == nil
	if err != nil && !errdefs.IsNotFound(err) {
		return fail("ErrImagePull", fmt.Sprintf("image %q: %v", a.Image, err))
	}
	switch {
	case present && a.PullPolicy != "Always":
	case a.PullPolicy == "Never":
		return fail("ErrImageNeverPull", fmt.Sprintf("Container image %q is not present with pull policy of Never", a.Image))
	default:
		pctx, cancel := context.WithTimeout(ctx, PullTimeout)
		pulled, perr := r.c.Pull(pctx, name, containerd.WithPullUnpack, containerd.WithPullSnapshotter(Snapshotter))
		cancel()
		switch {
		case perr == nil:
			img = pulled
		case present:
			r.cfg.Log.Info("pull failed; using the image present", "image", name, "err", perr)
		default:
			return fail("ErrImagePull", fmt.Sprintf("failed to pull and unpack image %q: %v", name, perr))
		}
	}
	if _, err := r.unpacked(ctx, img); err != nil {
		return fail("ErrImagePull", err.Error())
	}
	return node.ImageReady{PodUID: a.Pod.UID, Container: a.Container, ImageRef: name + "@" + img.Target().Digest.String()}
}

// unpacked returns the chain ID of img's layers (the parent of its
// containers' snapshots), unpacking it for the snapshotter first if
// needed. An image (by name and digest) found unpacked is not looked at
// again: each pod's EnsureImage and CreateContainer would otherwise read
// its manifest and config and stat its snapshot, some ten containerd
// calls, every time.
func (r *Runtime) unpacked(ctx context.Context, img containerd.Image) (string, error) {
	name, dgst := img.Name(), img.Target().Digest
	r.mu.Lock()
	u, ok := r.images[name]
	r.mu.Unlock()
	if ok && u.digest == dgst {
		return u.chainID, nil
	}
	if err := unpack(ctx, img); err != nil {
		return "", err
	}
	diffs, err := img.RootFS(ctx)
	if err != nil {
		return "", fmt.Errorf("layers of image %q: %w", name, err)
	}
	u = unpackedImage{digest: dgst, chainID: identity.ChainID(diffs).String()}
	r.mu.Lock()
	r.images[name] = u
	r.mu.Unlock()
	return u.chainID, nil
}

// forgetImage drops what unpacked knows of image name (its snapshots
// turned out to be gone).
func (r *Runtime) forgetImage(name string) {
	r.mu.Lock()
	delete(r.images, name)
	r.mu.Unlock()
}

// unpackedImage is an image found unpacked.
type unpackedImage struct {
	digest  digest.Digest
	chainID string
}

func unpack(ctx context.Context, img containerd.Image) error {
	ok, err := img.IsUnpacked(ctx, Snapshotter)
	if err == nil && ok {
		return nil
	}
	if err := img.Unpack(ctx, Snapshotter); err != nil {
		return fmt.Errorf("unpack image %q: %w", img.Name(), err)
	}
	return nil
}

// Import imports the images of an OCI or Docker archive into the
// runtime's namespace and unpacks them; it returns their names.
func Import(ctx context.Context, c *containerd.Client, namespace string, archive io.Reader) ([]string, error) {
	ctx = nsCtx(ctx, namespace)
	imgs, err := c.Import(ctx, archive)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	names := make([]string, 0, len(imgs))
	for _, i := range imgs {
		if err := unpack(ctx, containerd.NewImage(c, i)); err != nil {
			return names, err
		}
		names = append(names, i.Name)
	}
	return names, nil
}
