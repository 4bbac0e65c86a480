package containerdtest

import (
	"context"
	"os"
	"testing"

	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/capstan-dev/capstan/nodeagent/testimage"
)

// TestStartImportStop: a private daemon comes up, takes the test image,
// and Stop leaves no directory and no shim behind.
func TestStartImportStop(t *testing.T) {
	d := Start(t)
	if err := d.ImportTestImage("test"); err != nil {
		t.Fatal(err)
	}
	c, err := d.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := namespaces.WithNamespace(context.Background(), "test")
	img, err := c.GetImage(ctx, testimage.Name)
	if err != nil {
		t.Fatalf("image not present after import: %v", err)
	}
	if ok, err := img.IsUnpacked(ctx, "overlayfs"); err != nil || !ok {
		t.Fatalf("image not unpacked: %v %v", ok, err)
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Stop: %v", d.Dir, err)
	}
}
