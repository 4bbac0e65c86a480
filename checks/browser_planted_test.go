package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/capstan-dev/capstan/checks/mutants"
	"github.com/capstan-dev/capstan/wasm/simapi"
	"github.com/capstan-dev/capstan/wasm/wasmbuild"
)

// plantedBug is the planted bug (checks/mutants) the playground must
// catch: the shipped core has no known violation, so a red invariant in
// the page needs one. A rollout may run maxSurge+1 pods above replicas:
// the surge half of RollingUpdateBounds, which no caveat excuses.
const plantedBug = "deploy-max-surge-off-by-one"

// plantedModule builds the playground's module with a planted bug
// compiled in (go build -overlay: the tree is not touched), with `make
// wasm`'s flags, into a temporary directory, and returns its bytes.
func plantedModule(t *testing.T, id string) []byte {
	t.Helper()
	m, ok := mutants.Lookup(id)
	if !ok {
		t.Fatalf("no planted bug %s in checks/mutants", id)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := m.Apply(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mutated := filepath.Join(dir, filepath.Base(m.File))
	overlay := filepath.Join(dir, "overlay.json")
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, m.File): mutated}})
	if err := os.WriteFile(mutated, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "capstan.wasm")
	cmd := wasmbuild.Command(root, out, "-overlay", overlay)
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the module with %s planted: %v\n%s", id, err, b)
	}
	t.Logf("module with %s planted built in %v", id, time.Since(start).Round(time.Second))
	mod, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile(filepath.Join(root, "site", "capstan.wasm"))
	if err == nil && string(shipped) == string(mod) {
		t.Fatalf("the module with %s planted is the shipped one: the overlay was not applied", id)
	}
	return mod
}

// plantedView is what the page shows of RollingUpdateBounds.
type plantedView struct {
	T       float64 `json:"t"`
	OK      bool    `json:"ok"`
	FirstAt float64 `json:"firstAt"`
	Step    float64 `json:"firstStep"`
	Approx  bool    `json:"firstApprox"`
	First   string  `json:"first"`
	By      string  `json:"firstBy"`
	Class   string  `json:"class"`
	Broken  []any   `json:"broken"`
}

// catchPlanted loads the rolling-update example in a page running a
// module with plantedBug compiled in, plays past the rollout, and checks
// that the page's RollingUpdateBounds turns red at an exact step, with
// nothing else broken; then jumps to that step with the invariant's "go"
// link. It returns the page's script, for a replay on the shipped core.
func catchPlanted(t *testing.T, ctx context.Context) simapi.Script {
	t.Helper()
	loadExample(t, ctx, "rolling update")
	eval[bool](t, ctx, `seek(60000).then(() => true)`)
	const view = `(() => {
		const v = state.invariants.find(v => v.name === "RollingUpdateBounds");
		return {t: state.t, ok: v.ok, firstAt: v.firstAt, firstStep: v.firstStep || 0, firstApprox: !!v.firstApprox, first: v.first || "", firstBy: v.firstBy || "",
			class: document.querySelector('#invariants li[data-name="RollingUpdateBounds"]').className,
			broken: state.invariants.filter(x => x.kind === "safety" && !x.ok && x.name !== "RollingUpdateBounds").map(x => x.name)};
	})()`
	v := eval[plantedView](t, ctx, view)
	if v.OK || v.Class != "bad" {
		t.Fatalf("with %s planted, RollingUpdateBounds is not red after the rollout: %+v", plantedBug, v)
	}
	if v.FirstAt < 30000 || v.FirstAt > 60000 || v.Step <= 0 || v.Approx || v.By == "" || !strings.Contains(v.First, "maxSurge") {
		t.Errorf("first violation: %+v (want a surge beyond maxSurge at an exact step after the rollout starts at 30s)", v)
	}
	if len(v.Broken) > 0 {
		t.Errorf("other safety invariants red: %v", v.Broken)
	}
	t.Logf("RollingUpdateBounds red: first at step %v, %v ms: %s (%s)", v.Step, v.FirstAt, v.First, v.By)

	// The "go" link jumps to the step (1 ms later if an action was made
	// at that instant): red there, from the same step.
	eval[bool](t, ctx, `document.querySelector('#invariants li[data-name="RollingUpdateBounds"] a').click(); true`)
	poll(t, ctx, fmt.Sprintf(`state.t === %v || state.t === %v + 1`, v.FirstAt, v.FirstAt), 30*time.Second)
	at := eval[plantedView](t, ctx, view)
	if at.OK || at.Step != v.Step || at.Class != "bad" {
		t.Errorf("at the first violation's time the page shows %+v, want red from step %v", at, v.Step)
	}
	raw := eval[string](t, ctx, `call({cmd: "script"}).then(s => JSON.stringify(s))`)
	var sc simapi.Script
	if err := json.Unmarshal([]byte(raw), &sc); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestPlaygroundCatchesPlantedBug: the playground's invariants catch a
// real bug end to end. A module built with a planted bug (a rollout
// surging one pod past maxSurge) turns RollingUpdateBounds red in the
// page, at the exact step of the surge; the same scenario on the shipped
// core keeps it green.
func TestPlaygroundCatchesPlantedBug(t *testing.T) {
	needChromium(t)
	mod := plantedModule(t, plantedBug)
	ctx, url := browserWith(t, mod)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `document.body.dataset.ready === "1"`, 60*time.Second)
	sc := catchPlanted(t, ctx)

	s := simapi.New()
	req, _ := json.Marshal(simapi.Request{Cmd: "load", Script: &sc, T: 60000})
	var st simapi.State
	if err := json.Unmarshal(s.Call(req), &st); err != nil {
		t.Fatal(err)
	}
	for _, v := range st.Invariants {
		if v.Kind == "safety" && !v.OK {
			t.Errorf("the shipped core breaks %s on the same script: %s", v.Name, v.First)
		}
	}
	if len(st.Invariants) == 0 {
		t.Fatal("no invariants in the native replay")
	}
}
