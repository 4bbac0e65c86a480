package mutants

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Mutant is one planted bug.
type Mutant struct {
	// ID names the bug, e.g. "sched-taint-skipped". Unique.
	ID string
	// Bug says, in a sentence, what a developer got wrong.
	Bug string
	// File is the path of the mutated file, relative to the module root.
	File string
	// Find is a snippet of File that occurs in it exactly once; Replace
	// is what the mutant puts there instead.
	Find, Replace string
	// Checks are the go test invocations expected to catch the bug, tried
	// in order until one fails.
	Checks []Check
}

// Check is one `go test` invocation: a package pattern and a -run regexp
// ("" runs every test of the package).
type Check struct {
	Pkg string
	Run string
	// Args are extra test flags, e.g. a smaller seed count.
	Args []string
}

func (c Check) String() string {
	s := c.Pkg
	if c.Run != "" {
		s += " -run " + c.Run
	}
	for _, a := range c.Args {
		s += " " + a
	}
	return s
}

// Apply returns File's content, under the module root root, with the
// mutation applied. It fails unless Find occurs exactly once.
func (m Mutant) Apply(root string) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(root, m.File))
	if err != nil {
		return nil, fmt.Errorf("mutant %s: %w", m.ID, err)
	}
	switch n := bytes.Count(src, []byte(m.Find)); n {
	case 1:
	case 0:
		return nil, fmt.Errorf("mutant %s: snippet not found in %s (the code moved: update the catalog)", m.ID, m.File)
	default:
		return nil, fmt.Errorf("mutant %s: snippet occurs %d times in %s (make it unique)", m.ID, n, m.File)
	}
	return bytes.Replace(src, []byte(m.Find), []byte(m.Replace), 1), nil
}

// Lookup returns the mutant with the given ID.
func Lookup(id string) (Mutant, bool) {
	for _, m := range Catalog {
		if m.ID == id {
			return m, true
		}
	}
	return Mutant{}, false
}
