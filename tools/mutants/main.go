// Command mutants runs capstan's planted bugs (checks/mutants) against the
// checks meant to catch them and reports, for each, the test that caught it.
// It never edits the tree: each mutant is compiled in through
// `go test -overlay`.
//
//	go run ./tools/mutants                  # every planted bug (make mutants)
//	go run ./tools/mutants -only sched-taint-skipped,store-watch-drop
//	go run ./tools/mutants -list
//
// It exits non-zero if a planted bug survives (every check passed) or is
// invalid (it no longer applies, or does not build).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/capstan-dev/capstan/checks/mutants"
)

// Verdicts.
const (
	caught   = "caught"
	survived = "SURVIVED"
	invalid  = "INVALID"
)

type result struct {
	m       mutants.Mutant
	verdict string
	by      string // the check that caught it
	tests   []string
	detail  string
	took    time.Duration
}

func main() {
	only := flag.String("only", "", "comma-separated mutant IDs to run (default: all)")
	list := flag.Bool("list", false, "list the planted bugs and exit")
	jobs := flag.Int("j", 2, "mutants run at once")
	timeout := flag.Duration("timeout", 20*time.Minute, "timeout of one check")
	report := flag.String("report", "", "also write the results as a Markdown table to this file")
	baseline := flag.Bool("baseline", true, "first run every check without a mutant: a check that fails on the real code would catch everything")
	flag.Parse()

	if *list {
		for _, m := range mutants.Catalog {
			fmt.Printf("%-32s %s\n", m.ID, m.Bug)
		}
		return
	}
	root, err := moduleRoot()
	if err != nil {
		fatal(err)
	}
	todo := mutants.Catalog
	if *only != "" {
		todo = nil
		for _, id := range strings.Split(*only, ",") {
			m, ok := mutants.Lookup(strings.TrimSpace(id))
			if !ok {
				fatal(fmt.Errorf("no planted bug %q (see -list)", id))
			}
			todo = append(todo, m)
		}
	}
	tmp, err := os.MkdirTemp("", "capstan-mutants-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	if *baseline {
		if err := runBaseline(root, todo, *jobs, *timeout); err != nil {
			fatal(err)
		}
		fmt.Printf("baseline: every check passes on the real code (%s)\n\n", time.Since(start).Round(time.Second))
	}
	results := make([]result, len(todo))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, *jobs))
	var mu sync.Mutex
	for i, m := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := run(root, filepath.Join(tmp, m.ID), m, *timeout)
			results[i] = r
			mu.Lock()
			fmt.Printf("%-8s %-32s %6.1fs  %s\n", r.verdict, m.ID, r.took.Seconds(), r.summary())
			mu.Unlock()
		}()
	}
	wg.Wait()

	n := map[string]int{}
	for _, r := range results {
		n[r.verdict]++
	}
	fmt.Printf("\nplanted bugs: %d caught / %d total (%d survived, %d invalid) in %s\n",
		n[caught], len(results), n[survived], n[invalid], time.Since(start).Round(time.Second))
	if *report != "" {
		if err := os.WriteFile(*report, markdown(results), 0o644); err != nil {
			fatal(err)
		}
	}
	if n[caught] != len(results) {
		os.Exit(1)
	}
}

func (r result) summary() string {
	switch r.verdict {
	case caught:
		return "by " + r.by + ": " + strings.Join(r.tests, ", ")
	default:
		return r.detail
	}
}

// runBaseline runs each distinct check of todo once, unmutated.
func runBaseline(root string, todo []mutants.Mutant, jobs int, timeout time.Duration) error {
	seen := map[string]bool{}
	var checks []mutants.Check
	for _, m := range todo {
		for _, c := range m.Checks {
			if !seen[c.String()] {
				seen[c.String()] = true
				checks = append(checks, c)
			}
		}
	}
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, jobs))
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if out, err := goTest(root, "", c, timeout); err != nil {
				errs[i] = fmt.Errorf("baseline: %s fails without any mutant: %v\n%s", c, err, firstLines(out, 20))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// goTest runs one check, with the overlay file if not empty.
func goTest(root, overlay string, c mutants.Check, timeout time.Duration) (string, error) {
	args := []string{"test", "-count=1", "-vet=off", "-timeout=" + timeout.String()}
	if overlay != "" {
		args = append(args, "-overlay="+overlay)
	}
	if c.Run != "" {
		args = append(args, "-run", c.Run)
	}
	args = append(args, c.Pkg)
	args = append(args, c.Args...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	// A failing rapid property would save its case under testdata/:
	// a mutant's failure is no regression to keep.
	cmd.Env = append(os.Environ(), "RAPID_NOFAILFILE=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// run applies m through an overlay and tries its checks in order.
func run(root, dir string, m mutants.Mutant, timeout time.Duration) (r result) {
	t0 := time.Now()
	r.m = m
	defer func() { r.took = time.Since(t0) }()
	src, err := m.Apply(root)
	if err != nil {
		r.verdict, r.detail = invalid, err.Error()
		return r
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.verdict, r.detail = invalid, err.Error()
		return r
	}
	mutated := filepath.Join(dir, filepath.Base(m.File))
	if err := os.WriteFile(mutated, src, 0o644); err != nil {
		r.verdict, r.detail = invalid, err.Error()
		return r
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, m.File): mutated}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		r.verdict, r.detail = invalid, err.Error()
		return r
	}
	for _, c := range m.Checks {
		text, err := goTest(root, overlayFile, c, timeout)
		switch {
		case err == nil:
			continue // this check missed it; try the next
		case strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]"):
			r.verdict, r.detail = invalid, "does not build: "+firstLines(text, 3)
			return r
		case strings.Contains(text, "flag provided but not defined"):
			r.verdict, r.detail = invalid, "bad check arguments: "+firstLines(text, 2)
			return r
		}
		r.verdict, r.by = caught, c.String()
		for _, f := range failLine.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(f[1], "/") || len(r.tests) < 3 {
				r.tests = append(r.tests, f[1])
			}
		}
		if len(r.tests) == 0 {
			r.tests = []string{firstLines(text, 1)}
		}
		return r
	}
	r.verdict, r.detail = survived, "every check passed"
	return r
}

func markdown(rs []result) []byte {
	var b strings.Builder
	b.WriteString("| planted bug | what is wrong | verdict | caught by |\n|---|---|---|---|\n")
	for _, r := range rs {
		by := r.detail
		if r.verdict == caught {
			by = "`" + r.tests[0] + "` (" + r.by + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.m.ID, r.m.Bug, r.verdict, by)
	}
	return []byte(b.String())
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[:min(n, len(lines))], " | ")
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the capstan module")
	}
	return filepath.Dir(mod), nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mutants:", err)
	os.Exit(2)
}
