// Package wasmbuild says how the playground's module (site/capstan.wasm)
// is built, for the tests that build it: the check that the committed
// module is what the sources build, and the playground check that builds
// it with a planted bug. `make wasm` spells the same flags (WASM_FLAGS);
// the first of those tests fails if the two drift apart.
package wasmbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Flags are `make wasm`'s flags to go build: no VCS stamp, no build id,
// no paths, so that the same sources give the same bytes on any machine
// with the same Go; a reactor (c-shared) the page instantiates once.
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-buildmode=c-shared"}

// Command returns the go build of the module: the package ./wasm of the
// repository at root, written to out, with extra flags (an -overlay, say)
// before Flags.
func Command(root, out string, extra ...string) *exec.Cmd {
	args := append([]string{"build"}, extra...)
	args = append(args, Flags...)
	args = append(args, "-o", out, "./wasm")
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	return cmd
}

// goTool is the go command of the toolchain running the test, so that
// the module is built by the same Go as the one it is compared with.
func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}
