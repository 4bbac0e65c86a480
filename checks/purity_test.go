package checks

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// bannedImports are the packages core/ must not import, each with the reason.
// The core is a pure, deterministic state machine: time and every event are
// inputs, writes and runtime actions are outputs. Anything that reaches the
// outside world, reads a clock, draws global randomness or runs concurrently
// breaks "same inputs, same outputs, byte for byte, natively and in WASM".
var bannedImports = map[string]string{
	"os":            "I/O: the caller owns files, environment and processes",
	"os/exec":       "I/O: the caller owns processes",
	"os/signal":     "I/O: the caller owns signals",
	"io/ioutil":     "I/O: the caller owns files",
	"io/fs":         "I/O: the caller owns files",
	"path/filepath": "depends on the host OS; use path for slash-separated paths",
	"net":           "I/O: the caller owns the network",
	"net/http":      "I/O: the caller owns the network",
	"sync":          "concurrency: the core is single-threaded; one goroutine owns it",
	"sync/atomic":   "concurrency: the core is single-threaded; one goroutine owns it",
	"math/rand":     "global randomness: keep a seeded generator in the state",
	"math/rand/v2":  "global randomness: keep a seeded generator in the state",
	"crypto/rand":   "nondeterministic randomness: keep a seeded generator in the state",
	"syscall":       "I/O: the caller owns the operating system",
	"syscall/js":    "browser-only: the core runs the same natively and in WASM",
	"log":           "global logger writing to stderr: return events as data",
	"log/slog":      "global logger: return events as data",
	"runtime":       "scheduler and GC are not inputs: the core must not depend on them",
	"unsafe":        "memory layout is not part of the state machine",
	"context":       "deadlines read the clock and cancellation is concurrency",
	"testing":       "test code belongs in _test.go files",
	"plugin":        "loads code at run time",
	"embed":         "the core takes its inputs as arguments, not files",
	"time/tzdata":   "time zones are not inputs of the core",
	"internal/poll": "I/O",
	"hash/maphash":  "seeded per process: different hashes on every run",
	"expvar":        "global state served over HTTP",
	"runtime/debug": "scheduler and GC are not inputs",
	"runtime/pprof": "I/O and profiling belong to the caller",
}

// allowedTime lists the only identifiers of package time core may use: the
// Duration type and its unit constants are plain numbers. Everything else
// either reads the clock (Now, Since, Until, Sleep, After, Tick, NewTimer)
// or depends on the host's time zone database.
var allowedTime = map[string]bool{
	"Duration": true, "Nanosecond": true, "Microsecond": true,
	"Millisecond": true, "Second": true, "Minute": true, "Hour": true,
}

// bannedCalls are selector calls banned whatever the import: printing to
// standard output is I/O.
var bannedCalls = map[string]string{
	"fmt.Print":   "I/O: writes to standard output",
	"fmt.Printf":  "I/O: writes to standard output",
	"fmt.Println": "I/O: writes to standard output",
}

// violation is one breach of purity found in a file.
type violation struct {
	pos    token.Position
	what   string
	reason string
}

func (v violation) String() string {
	return fmt.Sprintf("%s: %s (%s)", v.pos, v.what, v.reason)
}

// checkPurity parses one Go source file and returns its violations.
func checkPurity(fset *token.FileSet, filename string, src any) ([]violation, error) {
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	isTest := strings.HasSuffix(filename, "_test.go")
	var out []violation
	add := func(n ast.Node, what, reason string) {
		out = append(out, violation{fset.Position(n.Pos()), what, reason})
	}
	// Local names of imported packages, for selector checks.
	local := map[string]string{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = p
		if isTest {
			continue // tests may use the clock, goroutines and testing
		}
		if reason, ok := bannedImports[p]; ok {
			add(imp, "imports "+strconv.Quote(p), reason)
		}
		if imp.Name != nil && imp.Name.Name == "." {
			add(imp, "dot-imports "+strconv.Quote(p), "hides which identifiers come from where; the checks cannot see them")
		}
	}
	if isTest {
		return out, nil
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			add(n, "go statement", "concurrency: the core is single-threaded and deterministic")
		case *ast.ChanType:
			add(n, "channel type", "concurrency: outputs are returned as data, not sent")
		case *ast.SendStmt:
			add(n, "channel send", "concurrency: outputs are returned as data, not sent")
		case *ast.SelectStmt:
			add(n, "select statement", "concurrency: the core never waits")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				add(n, "channel receive", "concurrency: inputs are passed in, not received")
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "print" || id.Name == "println") {
				add(n, "builtin "+id.Name, "I/O: writes to standard error")
			}
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			if !ok {
				break
			}
			switch local[x.Name] {
			case "time":
				if !allowedTime[n.Sel.Name] {
					add(n, "time."+n.Sel.Name, "wall clock or host time zone: time is an input (Tick(now)); only time.Duration and its units are allowed")
				}
			case "fmt":
				if reason, ok := bannedCalls["fmt."+n.Sel.Name]; ok {
					add(n, "fmt."+n.Sel.Name, reason)
				}
			}
		}
		return true
	})
	return out, nil
}

// goFiles returns the .go files under dir, sorted.
func goFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != dir {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// TestCorePurity fails when any package under core/ reaches outside the
// state machine: see bannedImports, allowedTime and the statement bans.
func TestCorePurity(t *testing.T) {
	files := goFiles(t, "../core")
	if len(files) == 0 {
		t.Fatal("no Go files under ../core: is the test running from checks/?")
	}
	fset := token.NewFileSet()
	for _, f := range files {
		vs, err := checkPurity(fset, f, nil)
		if err != nil {
			t.Errorf("parse %s: %v", f, err)
		}
		for _, v := range vs {
			t.Errorf("impure core: %s", v)
		}
	}
}

// TestPurityCheckCatches proves the checker can fail: each snippet must be
// reported, and the pure one must not.
func TestPurityCheckCatches(t *testing.T) {
	cases := []struct {
		name, file, src, want string
	}{
		{"os", "a.go", `package p; import "os"; var _ = os.Args`, `imports "os"`},
		{"net", "a.go", `package p; import "net"; var _ net.IP`, `imports "net"`},
		{"sync", "a.go", `package p; import "sync"; var _ sync.Mutex`, `imports "sync"`},
		{"rand", "a.go", `package p; import "math/rand"; var _ = rand.Int`, `imports "math/rand"`},
		{"randv2", "a.go", `package p; import "math/rand/v2"; var _ = rand.Int`, `imports "math/rand/v2"`},
		{"js", "a.go", `package p; import "syscall/js"; var _ = js.Global`, `imports "syscall/js"`},
		{"testing", "a.go", `package p; import "testing"; var _ *testing.T`, `imports "testing"`},
		{"time.Now", "a.go", `package p; import "time"; var _ = time.Now()`, `time.Now`},
		{"time.Now renamed", "a.go", `package p; import clk "time"; var _ = clk.Now()`, `time.Now`},
		{"time.Sleep", "a.go", `package p; import "time"; func f() { time.Sleep(1) }`, `time.Sleep`},
		{"go", "a.go", `package p; func f() { go f() }`, `go statement`},
		{"chan", "a.go", `package p; var c chan int`, `channel type`},
		{"send", "a.go", `package p; func f(c interface{}) { var d chan<- int; d <- 1 }`, `channel send`},
		{"select", "a.go", `package p; func f() { select {} }`, `select statement`},
		{"println", "a.go", `package p; func f() { println("x") }`, `builtin println`},
		{"fmt.Println", "a.go", `package p; import "fmt"; func f() { fmt.Println("x") }`, `fmt.Println`},
	}
	fset := token.NewFileSet()
	for _, c := range cases {
		vs, err := checkPurity(fset, c.file, c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		found := false
		for _, v := range vs {
			if strings.Contains(v.what, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the checker missed %q; got %v", c.name, c.want, vs)
		}
	}
	pure := `package p
import ("time"; "fmt"; "sort")
var d = 3 * time.Second
var _ time.Duration = d
func f(xs []int) string { sort.Ints(xs); return fmt.Sprintf("%v", xs) }`
	if vs, err := checkPurity(fset, "pure.go", pure); err != nil || len(vs) != 0 {
		t.Errorf("pure source reported: %v %v", vs, err)
	}
	// Test files may do what production files may not.
	if vs, _ := checkPurity(fset, "x_test.go", `package p; import ("testing"; "time"); func TestX(t *testing.T) { go func(){}(); _ = time.Now() }`); len(vs) != 0 {
		t.Errorf("test file reported: %v", vs)
	}
}
