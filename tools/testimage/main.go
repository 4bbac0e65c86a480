// Command testimage writes capstan's test image, an OCI archive of
// Debian's static busybox (see nodeagent/testimage): `make image` runs it
// to produce out/busybox.oci.tar, which `capstan image import` loads into
// containerd.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/capstan-dev/capstan/nodeagent/testimage"
)

func main() {
	out := flag.String("o", "out/busybox.oci.tar", "the archive to write")
	busybox := flag.String("busybox", testimage.DefaultBusybox, "the static busybox binary (Debian's busybox-static)")
	flag.Parse()
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "testimage:", err)
		os.Exit(1)
	}
	if err := testimage.BuildFile(*out, *busybox); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %s\n", *out, testimage.Name)
}
