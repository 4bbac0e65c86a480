//go:build !wasip1

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/capstan-dev/capstan/wasm/simapi"
	"github.com/capstan-dev/capstan/wasm/wasmbuild"
)

// modulePath is the committed module: the bytes the page runs.
const modulePath = "../site/capstan.wasm"

// TestModuleUpToDate rebuilds the module from the sources and fails on
// any byte difference with the committed site/capstan.wasm: the page and
// `go build ./...` on a fresh clone need the module committed, and it
// must be what the sources build.
func TestModuleUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module")
	}
	out := filepath.Join(t.TempDir(), "capstan.wasm")
	cmd := wasmbuild.Command("..", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the module: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(modulePath)
	if err != nil {
		t.Fatalf("%v: run `make wasm` and commit site/capstan.wasm", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("site/capstan.wasm (%d bytes) is not what the sources build (%d bytes) with %s: run `make wasm` and commit site/capstan.wasm",
			len(want), len(got), runtime.Version())
	}
}

// moduleBudget is the playground's download budget: the module as a
// server sends it, gzip-compressed (best compression, as `gzip -9`).
const moduleBudget = 2_500_000

// TestModuleWithinBudget fails when the committed module, compressed,
// outgrows the budget the playground's time to interactive rests on
// (docs/benchmarks.md, "Playground").
func TestModuleWithinBudget(t *testing.T) {
	raw, err := os.ReadFile(modulePath)
	if err != nil {
		t.Fatalf("%v: run `make wasm` and commit site/capstan.wasm", err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > moduleBudget {
		t.Fatalf("site/capstan.wasm is %d bytes gzip-compressed, over the %d-byte budget (%d raw)", buf.Len(), moduleBudget, len(raw))
	}
	t.Logf("site/capstan.wasm: %d bytes raw, %d gzip-compressed (%.1f%% of the budget)", len(raw), buf.Len(), 100*float64(buf.Len())/moduleBudget)
}

// module is the committed module instantiated under wazero, once per
// test binary.
type module struct {
	mod                       api.Module
	alloc, free, call, reset_ api.Function
}

var (
	modOnce sync.Once
	modErr  error
	mod     *module
	rt      wazero.Runtime
)

func loadModule(t testing.TB) *module {
	t.Helper()
	modOnce.Do(func() { mod, modErr = instantiate() })
	if modErr != nil {
		t.Fatal(modErr)
	}
	return mod
}

// compiled compiles the module with a compilation cache in the user's
// cache directory (a temporary one if there is none).
func compiled(ctx context.Context) (wazero.Runtime, wazero.CompiledModule, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, "capstan-wazero"))
	if err != nil {
		return nil, nil, err
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	bin, err := os.ReadFile(modulePath)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: run `make wasm`", err)
	}
	cm, err := r.CompileModule(ctx, bin)
	return r, cm, err
}

func instantiate() (*module, error) {
	ctx := context.Background()
	r, cm, err := compiled(ctx)
	if err != nil {
		return nil, err
	}
	rt = r
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	cfg := wazero.NewModuleConfig().WithStartFunctions("_initialize").WithArgs("capstan").WithName("capstan")
	m, err := r.InstantiateModule(ctx, cm, cfg)
	if err != nil {
		return nil, err
	}
	md := &module{mod: m, alloc: m.ExportedFunction("alloc"), free: m.ExportedFunction("free"),
		call: m.ExportedFunction("call"), reset_: m.ExportedFunction("reset")}
	if v, err := m.ExportedFunction("abi_version").Call(ctx); err != nil || v[0] != simapi.ABIVersion {
		return nil, fmt.Errorf("abi_version: %v %v, want %d", v, err, simapi.ABIVersion)
	}
	return md, nil
}

// Call sends one request through the module's memory.
func (m *module) Call(req []byte) ([]byte, error) {
	ctx := context.Background()
	r, err := m.alloc.Call(ctx, uint64(len(req)))
	if err != nil {
		return nil, err
	}
	p := uint32(r[0])
	if !m.mod.Memory().Write(p, req) {
		return nil, fmt.Errorf("write %d bytes at %d: out of range", len(req), p)
	}
	res, err := m.call.Call(ctx, uint64(p), uint64(len(req)))
	if err != nil {
		return nil, err
	}
	if _, err := m.free.Call(ctx, uint64(p)); err != nil {
		return nil, err
	}
	ptr, n := uint32(res[0]>>32), uint32(res[0])
	view, ok := m.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("read %d bytes at %d: out of range", n, ptr)
	}
	out := bytes.Clone(view)
	_, err = m.free.Call(ctx, uint64(ptr))
	return out, err
}

// TestNativeMatchesWasm: random scenarios (nodes, Deployments, faults,
// runs, and every kind of read) give byte-identical answers natively and
// in the module.
func TestNativeMatchesWasm(t *testing.T) {
	m := loadModule(t)
	n := 200
	if testing.Short() {
		n = 20
	}
	calls := 0
	for seed := uint64(1); seed <= uint64(n); seed++ {
		native := simapi.New()
		if _, err := m.reset_.Call(context.Background(), seed); err != nil {
			t.Fatal(err)
		}
		for i, req := range RandomScenario(seed) {
			want := native.Call(req)
			got, err := m.Call(req)
			if err != nil {
				t.Fatalf("seed %d request %d %s: %v", seed, i, req, err)
			}
			calls++
			if !bytes.Equal(got, want) {
				t.Fatalf("seed %d request %d %s:\nnative: %.2000s\nwasm:   %.2000s", seed, i, req, want, got)
			}
		}
	}
	t.Logf("%d scenarios, %d calls, identical", n, calls)
}

// TestShimProvidesImports: every function the module imports is provided
// by the page's WASI shim (site/wasi.js names each one).
func TestShimProvidesImports(t *testing.T) {
	ctx := context.Background()
	r, cm, err := compiled(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	shim, err := os.ReadFile("../site/wasi.js")
	if err != nil {
		t.Fatal(err)
	}
	imports := cm.ImportedFunctions()
	if len(imports) == 0 {
		t.Fatal("the module imports nothing?")
	}
	var names []string
	for _, f := range imports {
		mod, name, _ := f.Import()
		names = append(names, mod+"."+name)
		if mod != "wasi_snapshot_preview1" {
			t.Errorf("import %s.%s: not from wasi_snapshot_preview1", mod, name)
			continue
		}
		if !bytes.Contains(shim, []byte(name+"(")) {
			t.Errorf("import %s.%s: site/wasi.js has no %s(...)", mod, name, name)
		}
	}
	t.Logf("%d imports: %s", len(names), strings.Join(names, " "))
}

// RandomScenario draws a playground session from seed: a few nodes of
// random sizes and zones, Deployments (some with an image that fails to
// pull or crashes), then a mix of runs, faults, user actions, timeline
// jumps back and reads (state, pod details with the scheduler's why,
// node details, describe, validate, export).
func RandomScenario(seed uint64) [][]byte {
	g := rng{s: seed * 0x9e3779b97f4a7c15}
	var reqs [][]byte
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		reqs = append(reqs, b)
	}
	nodes := 1 + int(g.intn(4))
	var names []string
	var actions []simapi.Action
	for i := 0; i < nodes; i++ {
		name := fmt.Sprintf("n%d", i+1)
		names = append(names, name)
		actions = append(actions, simapi.Action{Line: fmt.Sprintf("add-node %s cpu=%d memory=%dGi zone=z%d", name, 1+g.intn(4), 2+g.intn(6), g.intn(2))})
	}
	images := []string{"nginx:1.27", "nginx:1.27", "redis:7", "broken:1", "crashy:1"}
	actions = append(actions, simapi.Action{Line: "image broken:1 pull=fail"}, simapi.Action{Line: "image crashy:1 exit-after=20s exit-code=1"})
	deps := 1 + int(g.intn(3))
	var body strings.Builder
	for d := 0; d < deps; d++ {
		fmt.Fprintf(&body, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d}\nspec:\n  replicas: %d\n  selector: {matchLabels: {app: d%d}}\n  template:\n    metadata: {labels: {app: d%d}}\n    spec:\n      containers: [{name: app, image: %s, resources: {requests: {cpu: %dm, memory: %dMi}}}]\n",
			d, 1+g.intn(6), d, d, images[g.intn(int64(len(images)))], 100*(1+g.intn(8)), 64*(1+g.intn(8)))
	}
	if g.intn(2) == 0 {
		body.WriteString("---\napiVersion: v1\nkind: Service\nmetadata: {name: s0}\nspec:\n  selector: {app: d0}\n  ports: [{port: 80}]\n")
	}
	actions = append(actions, simapi.Action{Line: "apply", Body: body.String()})
	strategies := []string{"", "MostAllocated", "BalancedAllocation"}
	sc := simapi.Script{Seed: seed, Strategy: strategies[g.intn(3)], Actions: actions}
	add(simapi.Request{Cmd: "load", Script: &sc, T: 0})
	add(simapi.Request{Cmd: "validate", YAML: body.String()})
	t := int64(0)
	for k := 0; k < 5+int(g.intn(5)); k++ {
		t += 1000 * (1 + g.intn(15))
		if g.intn(7) == 0 {
			t += 137
		}
		add(simapi.Request{Cmd: "run", T: t})
		n := names[g.intn(int64(len(names)))]
		switch g.intn(12) {
		case 0:
			add(simapi.Request{Cmd: "exec", Line: "crash-node " + n})
		case 1:
			add(simapi.Request{Cmd: "exec", Line: "partition " + n})
		case 2:
			add(simapi.Request{Cmd: "exec", Line: "heal " + n})
		case 3:
			add(simapi.Request{Cmd: "exec", Line: "restart-node " + n})
		case 4:
			add(simapi.Request{Cmd: "exec", Line: "restart-control-plane"})
		case 5:
			add(simapi.Request{Cmd: "exec", Line: fmt.Sprintf("scale deployment/d0 %d", g.intn(8))})
		case 6:
			add(simapi.Request{Cmd: "exec", Line: "crash-container default/d0-*/app"})
		case 7:
			add(simapi.Request{Cmd: "exec", Line: fmt.Sprintf("add-node x%d cpu=2", k)})
		case 8:
			add(simapi.Request{Cmd: "pod", Node: n, Slot: int(g.intn(3))})
			add(simapi.Request{Cmd: "pod", Slot: int(g.intn(2))})
		case 9:
			back := t / 2
			add(simapi.Request{Cmd: "run", T: back})
			t = back
		case 10:
			add(simapi.Request{Cmd: "node", Node: n})
		case 11:
			add(simapi.Request{Cmd: "exec", Line: "set-image deployment/d0 app=" + images[g.intn(int64(len(images)))]})
		}
	}
	add(simapi.Request{Cmd: "state"})
	add(simapi.Request{Cmd: "describe"})
	add(simapi.Request{Cmd: "export"})
	add(simapi.Request{Cmd: "script"})
	return reqs
}

type rng struct{ s uint64 }

func (r *rng) intn(n int64) int64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int64((z ^ (z >> 31)) % uint64(n))
}
