// Command checkreport runs capstan's checks and prints the figures that say
// how hard they pushed the core: rapid cases, simulated seeds and virtual
// hours, writes and invariant evaluations checked, states explored, planted
// bugs caught, and the automated mutation score.
//
//	go run ./tools/checkreport            # make check-report
//	go run ./tools/checkreport -mutants   # also run every planted bug (slow)
//
// Without -mutants the planted-bug and mutation figures are read from the
// files the last runs left (out/mutants.md from `make mutants`,
// out/gremlins-*.json from `make mutation-score`) and say so.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	runMutants := flag.Bool("mutants", false, "run the planted bugs too (tens of minutes)")
	out := flag.String("out", "out", "directory for the raw outputs")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	start := time.Now()
	var rep []string
	add := func(format string, a ...any) { rep = append(rep, fmt.Sprintf(format, a...)) }

	// Property tests: every rapid.Check logs its case count under -v.
	text := goTest(*out, "rapid", "-v", "./checks/", "./core/...", "./model/...")
	cases, props := rapidCases(text)
	add("property tests (rapid): %d cases over %d property runs", cases, props)

	// Deterministic simulation.
	simFile := filepath.Join(*out, "simtest-report.txt")
	goTest(*out, "simtest", "-run", "^TestSeeds$", "./checks/simtest", "-report="+abs(simFile))
	if b, err := os.ReadFile(simFile); err == nil {
		add("deterministic simulation (checks/simtest):\n%s", indent(firstSection(string(b))))
	} else {
		add("deterministic simulation: no report (%v)", err)
	}

	// Exhaustive exploration.
	text = goTest(*out, "explore", "-v", "-run", "^(TestExplore|TestWalks)$", "./checks/explore")
	states, configs, lines := exploreFigures(text)
	add("exhaustive exploration (checks/explore): %d distinct states over %d configurations\n%s", states, configs, indent(strings.Join(lines, "\n")))

	// Planted bugs.
	mutFile := filepath.Join(*out, "mutants.md")
	if *runMutants {
		cmd := exec.Command("go", "run", "./tools/mutants", "-report", mutFile)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		_ = cmd.Run() // the figures below say what happened
	}
	add("planted bugs: %s", plantedFigures(mutFile))
	add("automated mutation score: %s", gremlinsFigures(*out))

	fmt.Println("\n== capstan check report ==")
	for _, r := range rep {
		fmt.Println(r)
	}
	fmt.Printf("(report took %s)\n", time.Since(start).Round(time.Second))
}

// goTest runs go test with args, saving the output as out/name.log, and
// returns it. A failing run is reported but the report goes on.
func goTest(out, name string, args ...string) string {
	cmd := exec.Command("go", append([]string{"test", "-count=1"}, args...)...)
	b, err := cmd.CombinedOutput()
	_ = os.WriteFile(filepath.Join(out, name+".log"), b, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "checkreport: go test %s failed (%v); see %s\n", strings.Join(args, " "), err, filepath.Join(out, name+".log"))
	}
	return string(b)
}

var rapidLine = regexp.MustCompile(`\[rapid\] OK, passed (\d+) tests`)

func rapidCases(text string) (cases, runs int) {
	for _, m := range rapidLine.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		cases += n
		runs++
	}
	return cases, runs
}

var statesRe = regexp.MustCompile(`: depth \d+, (\d+) states`)

func exploreFigures(text string) (states, configs int, lines []string) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if m := statesRe.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			states += n
			configs++
			lines = append(lines, l)
		}
	}
	return states, configs, lines
}

var plantedRe = regexp.MustCompile(`\| (caught|SURVIVED|INVALID) \|`)

func plantedFigures(file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return "not run (make mutants, or this command with -mutants)"
	}
	n := map[string]int{}
	total := 0
	for _, m := range plantedRe.FindAllStringSubmatch(string(b), -1) {
		n[m[1]]++
		total++
	}
	st, _ := os.Stat(file)
	return fmt.Sprintf("%d caught / %d total (%d survived, %d invalid), from %s of %s",
		n["caught"], total, n["SURVIVED"], n["INVALID"], file, st.ModTime().UTC().Format(time.RFC3339))
}

// gremlinsFigures reads gremlins' JSON results (out/gremlins-<pkg>.json).
func gremlinsFigures(out string) string {
	files, _ := filepath.Glob(filepath.Join(out, "gremlins-*.json"))
	if len(files) == 0 {
		return "not run (make mutation-score)"
	}
	sort.Strings(files)
	var parts []string
	killed, lived := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var r struct {
			MutantsKilled int `json:"mutants_killed"`
			MutantsLived  int `json:"mutants_lived"`
		}
		if json.Unmarshal(b, &r) != nil {
			continue
		}
		killed += r.MutantsKilled
		lived += r.MutantsLived
		pkg := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "gremlins-"), ".json")
		parts = append(parts, fmt.Sprintf("%s %d/%d", pkg, r.MutantsKilled, r.MutantsKilled+r.MutantsLived))
	}
	if killed+lived == 0 {
		return "no results in " + strings.Join(files, ", ")
	}
	return fmt.Sprintf("%.1f%% killed (%d of %d covered mutants: %s)", 100*float64(killed)/float64(killed+lived), killed, killed+lived, strings.Join(parts, ", "))
}

func firstSection(s string) string {
	if i := strings.Index(s, "\ncoverage"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return strings.TrimSpace(s)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "checkreport:", err)
	os.Exit(2)
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
