// app.js: the page. The cluster lives in the worker (worker.js runs
// capstan.wasm); this file keeps the script's source (editor, nodes),
// sends requests, draws answers and keeps the URL in step:
//
//   editor + nodes ──Load──► script {seed, strategy, actions} ──► worker
//   play / step / timeline ──► {cmd: "run", t}      ◄── state ── draw
//   faults, commands ──► {cmd: "exec", line}: an action at the cursor
//
// The URL's hash holds the script and the cursor: a link replays it
// exactly (the simulation is deterministic).
"use strict";

const $ = (id) => document.getElementById(id);
const stats = (window.capstanStats = { start: performance.now(), tti: 0, frames: 0, fps: 0, eventsPerSec: 0, lastCall: 0, maxCall: 0, calls: 0 });

// ---- the worker ---------------------------------------------------------

const worker = new Worker("worker.js");
let nextId = 1;
const waiting = new Map();
let busy = 0;
const workerReady = new Promise((resolve, reject) => {
  worker.addEventListener("message", function first(e) {
    if (!("ready" in e.data)) return;
    worker.removeEventListener("message", first);
    if (e.data.ready) resolve(e.data);
    else reject(new Error(e.data.error));
  });
});
worker.addEventListener("message", (e) => {
  const w = waiting.get(e.data.id);
  if (!w) return;
  waiting.delete(e.data.id);
  busy--;
  stats.lastCall = e.data.ms;
  stats.maxCall = Math.max(stats.maxCall, e.data.ms);
  stats.calls++;
  const v = JSON.parse(e.data.text);
  if (v.error) w.reject(new Error(v.error));
  else w.resolve(v);
});

function call(req) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    busy++;
    worker.postMessage({ id, req });
  });
}

// ---- state ----------------------------------------------------------------

let state = null; // the last State drawn
let script = { seed: 1, strategy: "", actions: [] };
let horizon = 60000; // the timeline's end (ms)
let selection = null; // {node, slot} | {node} | {pod}
let playing = false;
let exampleIndex = 0;

function setStatus(text) { $("status").textContent = text; }

function fmt(ms) {
  const s = Math.floor(ms / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60);
  const frac = ms % 1000 ? "." + String(ms % 1000).padStart(3, "0").replace(/0+$/, "") : "";
  if (h) return `${h}h${m % 60}m${s % 60}${frac}s`;
  if (m) return `${m}m${s % 60}${frac}s`;
  return `${s}${frac}s`;
}

// ---- the script's source: editor and nodes ------------------------------

function nodeCount() {
  const v = +$("ncount").value; // 0..100 on a log scale: 1..1000
  return Math.max(1, Math.round(Math.pow(1000, v / 100)));
}
function setNodeCount(n) { $("ncount").value = Math.round((Math.log(Math.max(1, n)) / Math.log(1000)) * 100); showNodeCount(); }
function showNodeCount() { $("ncountv").textContent = nodeCount() + " nodes"; }

function nodeActions(count, cpu, mem, zones) {
  const byZone = [];
  for (let i = 1; i <= count; i++) {
    const z = (i - 1) % zones;
    (byZone[z] = byZone[z] || []).push("n" + i);
  }
  return byZone.map((names, z) => ({ at: 0, line: `add-node ${names.join(" ")} cpu=${cpu} memory=${mem} zone=zone-${String.fromCharCode(97 + z)}` }));
}

function scriptFromEditor() {
  const ex = EXAMPLES[exampleIndex] || {};
  const actions = nodeActions(nodeCount(), $("ncpu").value.trim() || "4", $("nmem").value.trim() || "8Gi", Math.max(1, +$("nzones").value || 1));
  for (const line of ex.images || []) actions.push({ at: 0, line });
  if ($("yaml").value.trim()) actions.push({ at: 0, line: "apply", body: $("yaml").value });
  for (const a of ex.actions || []) actions.push({ at: a.at, line: a.line });
  return { seed: Math.max(1, +$("seed").value || 1), strategy: $("strategy").value, actions };
}

let validateTimer = 0;
async function validate() {
  const v = await call({ cmd: "validate", yaml: $("yaml").value });
  const box = $("problems");
  box.innerHTML = "";
  $("yaml").classList.toggle("bad", v.problems.length > 0);
  for (const p of v.problems) {
    const d = document.createElement("div");
    const where = [`document ${p.document + 1}`];
    if (p.line) where.push(`line ${p.line}`);
    if (p.kind) where.push(p.kind + (p.name ? ` "${p.name}"` : ""));
    d.innerHTML = `${esc(where.join(", "))}: ${p.field ? `<code>${esc(p.field)}</code>: ` : ""}${esc(p.message)}`;
    box.appendChild(d);
  }
  if (!v.problems.length) {
    const d = document.createElement("div");
    d.className = "hint";
    d.textContent = v.objects.length ? "ok: " + v.objects.join(", ") : "";
    box.appendChild(d);
  }
  return v.problems.length === 0;
}

function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c])); }

// ---- talking to the simulation -----------------------------------------

// STEP_BUDGET bounds the events one call may process: a big cluster's
// busy seconds (30,000 pods created and started) take several calls, and
// the page draws the cluster between them. The outcome is the same as one
// call's, even when a call stops inside a virtual instant.
const STEP_BUDGET = 5000;
let chaseT = null; // the time a play frame's run did not reach yet

// runTo sends first (a load or run to t) and, while the answer is
// partial, runs on to t, drawing each partial state. busy stays up all
// along, so that play and the timeline wait.
async function runTo(first, t, check) {
  busy++;
  try {
    let st = await call({ ...first, maxSteps: STEP_BUDGET });
    while (st.partial) {
      show(st);
      setStatus(`running to ${fmt(t)}: at ${fmt(st.t)}, ${st.steps.toLocaleString()} events`);
      st = await call({ cmd: "run", t, check: !!check, maxSteps: STEP_BUDGET });
    }
    return st;
  } finally {
    busy--;
  }
}

async function load(sc, t = 0) {
  pause();
  script = sc;
  chaseT = null;
  setStatus("loading…");
  const t0 = performance.now();
  const st = await runTo({ cmd: "load", script: sc, t }, t);
  horizon = Math.max(60000, t, lastActionAt() + 30000);
  selection = null;
  refreshSelection();
  show(st);
  setStatus(`loaded in ${Math.round(performance.now() - t0)} ms`);
  saveURL();
}

function lastActionAt() { return script.actions.length ? script.actions[script.actions.length - 1].at : 0; }

// seek moves the cursor to t; with check, the invariants are checked at
// t even off the grid (a jump to a violation's step shows it).
async function seek(t, check) {
  chaseT = null;
  t = Math.max(0, Math.round(t));
  const st = await runTo({ cmd: "run", t, check: !!check }, t, check);
  show(st);
}

async function act(line, body) {
  try {
    const r = await call({ cmd: "exec", line, body });
    script = await call({ cmd: "script" });
    horizon = Math.max(r.state.t + 30000, horizon);
    if (r.output && r.output.trim()) setStatus(r.output.trim());
    else setStatus(line);
    show(r.state);
    saveURL();
  } catch (e) {
    setStatus("error: " + e.message);
  }
}

function show(st) {
  state = st;
  if (st.t > horizon) horizon = st.t;
  const tl = $("timeline");
  tl.max = horizon;
  if (!dragging) tl.value = st.t;
  $("clock").textContent = fmt(st.t) + (st.next < st.actions ? ` · ${st.actions - st.next} ahead` : "");
  $("fork").disabled = st.next >= st.actions;
  fillNodes(st);
  drawInvariants(st);
  $("log").textContent = st.log.join("\n");
  $("log").scrollTop = 1e9;
  redraw();
  if (!stats.tti) {
    stats.tti = performance.now() - stats.start;
    document.body.dataset.ready = "1";
  }
  if (selection && (!playing || performance.now() - lastRefresh > 500)) {
    lastRefresh = performance.now();
    refreshSelection();
  }
}
let lastRefresh = 0;

function fillNodes(st) {
  const sel = $("faultNode");
  const names = st.nodes.map((n) => n.name);
  if (sel.dataset.names === names.join(",")) return;
  const keep = sel.value;
  sel.innerHTML = names.slice(0, 2000).map((n) => `<option>${esc(n)}</option>`).join("");
  sel.dataset.names = names.join(",");
  if (names.includes(keep)) sel.value = keep;
}

function drawInvariants(st) {
  $("invnote").textContent = st.invariantsNote || "";
  $("invariants").innerHTML = st.invariants.map((v) => {
    const cls = st.invariantsNote && v.firstAt < 0 ? "skip" : !v.ok ? "bad" : v.excused ? "excused" : "ok";
    let first = "";
    if (v.firstAt >= 0) first = `<span class="first">first violated ${when(v.firstAt, v.firstStep, v.firstApprox)}: ${esc(v.first)}${by(v.firstBy)}</span>`;
    else if (v.excused) first = `<span class="first">excused after a fault, as the model's caveat allows (first ${when(v.excusedAt, v.excusedStep, v.excusedApprox)}): ${esc(v.excusedFirst)}${by(v.excusedBy)}</span>`;
    else if (v.kind === "liveness" && !v.ok && v.now && !st.invariantsNote) first = `<span class="first">now: ${esc(v.now[0])}</span>`;
    return `<li class="${cls}" title="${esc(v.note)}" data-name="${v.name}"><span class="dot"></span>${v.name} <span class="kind">${v.kind}</span>${first}</li>`;
  }).join("");
}

// when says at which step and time a violation first appeared; approx
// (the replay that finds the exact step failed) says "by" that time.
function when(t, step, approx) {
  return `${approx ? "by" : "at"} ${step ? "step " + step.toLocaleString("en") + ", " : ""}${fmt(t)} <a href="#" data-t="${t}">go</a>`;
}
function by(text) {
  return text ? `<span class="by">${esc(text)}</span>` : "";
}

// ---- drawing ---------------------------------------------------------------

const canvas = $("cluster");
function redraw() {
  const r = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(r.width * dpr) || canvas.height !== Math.round(r.height * dpr)) {
    canvas.width = Math.round(r.width * dpr);
    canvas.height = Math.round(r.height * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawCluster(ctx, state, r.width, r.height, selection);
  stats.frames++;
}
window.addEventListener("resize", redraw);

canvas.addEventListener("click", (e) => {
  const r = canvas.getBoundingClientRect();
  const h = hit(state, r.width, r.height, e.clientX - r.left, e.clientY - r.top);
  selection = h;
  if (h && h.node) $("faultNode").value = h.node;
  redraw();
  refreshSelection();
});

async function refreshSelection() {
  const box = $("details");
  const sel = selection;
  if (!sel) { box.innerHTML = '<span class="hint">click a node or a pod</span>'; $("crashContainer").disabled = true; return; }
  try {
    if (sel.pod || sel.slot !== undefined) {
      const p = await call(sel.pod ? { cmd: "pod", pod: sel.pod } : { cmd: "pod", node: sel.node, slot: sel.slot });
      if (sel !== selection) return;
      selection.podName = p.namespace + "/" + p.name;
      selection.container = (p.containers[0] || "app").split(" ")[0];
      $("crashContainer").disabled = !p.node;
      box.innerHTML = podHTML(p);
    } else {
      const n = await call({ cmd: "node", node: sel.node });
      if (sel !== selection) return;
      $("crashContainer").disabled = true;
      box.innerHTML = `<b>node ${esc(n.name)}</b> Ready=${esc(n.ready)}${n.down ? " (down)" : ""}${n.partitioned ? " (partitioned)" : ""}${n.zone ? " zone " + esc(n.zone) : ""}<br>
        cpu ${n.cpu[0]}m / ${n.cpu[1]}m · memory ${n.memory[0]}Mi / ${n.memory[1]}Mi · pods ${n.pods[0]} / ${n.pods[1]}<br>
        ${n.taintList.length ? "taints " + esc(n.taintList.join(", ")) + "<br>" : ""}
        <span class="hint">${esc(n.conditions.join(" · "))}</span>
        <div>${n.podNames.slice(0, 60).map(esc).join("<br>")}</div>`;
    }
  } catch (e) {
    box.textContent = e.message;
  }
}

function podHTML(p) {
  let h = `<b>pod ${esc(p.namespace)}/${esc(p.name)}</b> <span style="color:${COLORS[p.code]}">■</span> ${esc(NAMES[p.code])}<br>
    node ${esc(p.node || "—")} · phase ${esc(p.phase || "—")}${p.ip ? " · " + esc(p.ip) : ""}${p.owner ? " · " + esc(p.owner) : ""}<br>
    requests cpu ${p.cpu}m, memory ${p.memory}Mi<br>
    <span class="hint">${p.containers.map(esc).join("<br>")}<br>${p.conditions.map(esc).join("<br>")}</span>`;
  const w = p.why;
  if (!w) return h;
  h += `<h3>${p.node ? "Scores" : "Why pending?"}</h3><div class="hint">${esc(w.source)}</div>`;
  if (!p.node || w.status !== "Scheduled") h += `<div class="msg">${esc(w.message)}</div>`;
  h += `<table><tr><th>node</th>${p.node ? w.scorers.map((s, i) => `<th title="weight ${w.weights[i]}">${esc(s.replace(/^Node|Plugin$/g, "").slice(0, 10))}</th>`).join("") + "<th>total</th>" : "<th>reasons</th>"}</tr>`;
  for (const n of w.nodes.slice(0, 200)) {
    const cls = n.node === (p.node || w.chosen) ? ' class="chosen"' : "";
    if (n.reasons && n.reasons.length) h += `<tr${cls}><td>${esc(n.node)}</td><td colspan="${p.node ? w.scorers.length + 1 : 1}">${esc(n.reasons.join("; "))}</td></tr>`;
    else if (p.node) h += `<tr${cls}><td>${esc(n.node)}</td>${(n.scores || []).map((s) => `<td>${s}</td>`).join("")}<td>${n.total}</td></tr>`;
    else h += `<tr${cls}><td>${esc(n.node)}</td><td>fits (total ${n.total})</td></tr>`;
  }
  return h + "</table>";
}

// ---- play ----------------------------------------------------------------

let lastFrame = 0, lastSteps = 0, lastStepsAt = 0, fpsFrames = 0, fpsAt = 0;
function play() {
  playing = true;
  $("play").textContent = "❚❚ Pause";
  lastFrame = performance.now();
  lastStepsAt = lastFrame;
  lastSteps = state ? state.steps : 0;
  requestAnimationFrame(tick);
}
function pause() {
  if (!playing) return;
  playing = false;
  $("play").textContent = "▶ Play";
  saveURL();
}

async function tick(now) {
  if (!playing) return;
  fpsFrames++;
  if (now - fpsAt > 1000) {
    stats.fps = (fpsFrames * 1000) / (now - fpsAt);
    fpsFrames = 0;
    fpsAt = now;
  }
  if (busy === 0 && state) {
    const dt = Math.min(250, now - lastFrame);
    lastFrame = now;
    const speed = +$("speed").value;
    // A frame asks for dt of virtual time; a run cut short by the step
    // budget is asked for again until it gets there.
    const t = chaseT ?? state.t + Math.max(1, Math.round(dt * speed));
    try {
      const st = await call({ cmd: "run", t, maxSteps: STEP_BUDGET });
      chaseT = st.partial ? t : null;
      if (playing) show(st);
      const wall = performance.now() - lastStepsAt;
      if (wall > 1000) {
        stats.eventsPerSec = ((st.steps - lastSteps) * 1000) / wall;
        lastSteps = st.steps;
        lastStepsAt = performance.now();
        setStatus(`${Math.round(stats.eventsPerSec).toLocaleString()} events/s · ${Math.round(stats.fps)} fps · ${st.nodes.length} nodes · ${Object.values(st.counts).reduce((a, b) => a + b, 0).toLocaleString()} pods`);
      }
    } catch (e) {
      setStatus("error: " + e.message);
      pause();
    }
  } else {
    lastFrame = now;
  }
  requestAnimationFrame(tick);
}

// ---- the URL ---------------------------------------------------------------

function b64url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function unb64url(s) {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}
async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

// encodeLink returns the hash for a script at a cursor: "#z=" + deflated
// JSON when CompressionStream exists, else "#j=" + JSON.
async function encodeLink(sc, t, ex) {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, script: sc, t, example: ex }));
  if (typeof CompressionStream !== "undefined") return "#z=" + b64url(await pipe(json, new CompressionStream("deflate-raw")));
  return "#j=" + b64url(json);
}
async function decodeLink(hash) {
  const m = /^#([zj])=(.*)$/.exec(hash);
  if (!m) return null;
  let bytes = unb64url(m[2]);
  if (m[1] === "z") bytes = await pipe(bytes, new DecompressionStream("deflate-raw"));
  return JSON.parse(new TextDecoder().decode(bytes));
}

let urlTimer = 0;
function saveURL() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(async () => {
    if (!state) return;
    history.replaceState(null, "", await encodeLink(script, state.t, exampleIndex));
  }, 200);
}

// ---- controls ------------------------------------------------------------

let dragging = false;
$("timeline").addEventListener("input", () => {
  dragging = true;
  pause();
  $("clock").textContent = fmt(+$("timeline").value);
  if (busy === 0) seek(+$("timeline").value);
});
$("timeline").addEventListener("change", async () => {
  dragging = false;
  await seek(+$("timeline").value);
  saveURL();
});
$("play").onclick = () => (playing ? pause() : play());
$("step").onclick = async () => { pause(); await seek(Math.floor(state.t / 1000) * 1000 + 1000); saveURL(); };
$("fork").onclick = async () => {
  const st = await call({ cmd: "fork" });
  script = await call({ cmd: "script" });
  horizon = st.t + 30000;
  show(st);
  setStatus("forked: the actions after " + fmt(st.t) + " are dropped");
  saveURL();
};
$("load").onclick = async () => { if (await validate()) load(scriptFromEditor()); else setStatus("fix the manifests first"); };
$("applyNow").onclick = async () => { if (await validate()) act("apply", $("yaml").value); };
$("run").onclick = () => $("cmdline").value.trim() && act($("cmdline").value.trim());
$("cmdline").addEventListener("keydown", (e) => { if (e.key === "Enter") $("run").click(); });
$("yaml").addEventListener("input", () => { clearTimeout(validateTimer); validateTimer = setTimeout(validate, 300); });
$("ncount").addEventListener("input", showNodeCount);
for (const b of document.querySelectorAll("[data-fault]")) {
  b.onclick = () => {
    const f = b.dataset.fault;
    act(f === "restart-control-plane" ? f : f + " " + $("faultNode").value);
  };
}
$("addNode").onclick = () => {
  const names = new Set(state.nodes.map((n) => n.name));
  let i = state.nodes.length + 1;
  while (names.has("n" + i)) i++;
  act(`add-node n${i} cpu=${$("ncpu").value.trim() || "4"} memory=${$("nmem").value.trim() || "8Gi"}`);
};
$("crashContainer").onclick = () => selection && selection.podName && act(`crash-container ${selection.podName}/${selection.container}`);
$("invariants").addEventListener("click", (e) => {
  const t = e.target.dataset && e.target.dataset.t;
  // The cursor at an action's time shows the state just after the
  // action: the events it queued for that instant run when the clock
  // moves on. So a step at such a time is shown 1 ms later.
  if (t !== undefined) { e.preventDefault(); pause(); seek(+t + (script.actions.some((a) => a.at === +t) ? 1 : 0), true); }
});
$("share").onclick = async () => {
  const url = location.href.split("#")[0] + (await encodeLink(script, state.t, exampleIndex));
  try { await navigator.clipboard.writeText(url); setStatus("link copied"); } catch { setStatus("link in the address bar"); }
  history.replaceState(null, "", url);
};
$("export").onclick = async () => {
  const r = await call({ cmd: "export" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([r.scenario], { type: "text/plain" }));
  a.download = `playground-seed${script.seed}-${Math.round(state.t / 1000)}s.txt`;
  a.click();
  window.capstanLastExport = r.scenario;
};
$("example").onchange = () => pickExample(+$("example").value);
$("modalClose").onclick = () => ($("modal").hidden = true);

function pickExample(i) {
  exampleIndex = i;
  const ex = EXAMPLES[i];
  $("example").value = i;
  $("yaml").value = ex.yaml;
  $("seed").value = ex.seed;
  setNodeCount(ex.nodes.count);
  $("ncpu").value = ex.nodes.cpu;
  $("nmem").value = ex.nodes.memory;
  $("nzones").value = ex.nodes.zones;
  $("strategy").value = "LeastAllocated";
  $("speed").value = ex.big ? "60" : "5";
  validate();
  return load(scriptFromEditor());
}

// ---- explore and compare ---------------------------------------------------

$("explore").onclick = async () => {
  pause();
  const modal = $("modal"), body = $("modalBody");
  modal.hidden = false;
  body.innerHTML = "<h3>Explore</h3><p>Replaying this scenario (to the cursor, at least 2 minutes) under other seeds with 3 random faults each: node crashes and restarts, partitions and heals, control-plane restarts…</p><div id=xprog></div><table id=xres></table>";
  let failures = 0, best = null;
  const total = 30, batch = 5;
  for (let from = 0; from < total && !modal.hidden; from += batch) {
    const r = await call({ cmd: "explore", from, runs: batch, faults: 3 });
    failures += r.failures;
    for (const run of r.runs) {
      $("xres").insertAdjacentHTML("beforeend", `<tr><td>seed ${run.seed}</td><td>${esc(run.faults.join("; "))}</td><td>${run.invariant ? `<b style="color:#e03131">${esc(run.invariant)}</b> at ${fmt(run.at)}` : '<span style="color:#2f9e44">ok</span>'}</td></tr>`);
    }
    if (r.shortest && (!best || r.shortest.t < best.t)) best = r.shortest;
    $("xprog").innerHTML = `${Math.min(total, from + batch)} / ${total} runs, ${failures} failing` +
      (best ? ` · shortest failing trace: <a id=xlink href="${location.href.split("#")[0] + (await encodeLink(best.script, best.show, exampleIndex))}">${esc(best.invariant)} at ${fmt(best.t)}</a> (${best.script.actions.length} actions): ${esc(best.violation)}` : "");
  }
  window.capstanExplore = { failures, best };
};
window.addEventListener("hashchange", async () => {
  const link = await decodeLink(location.hash);
  if (link && JSON.stringify(link.script) !== JSON.stringify(script)) {
    $("modal").hidden = true;
    load(link.script, link.t);
  }
});

$("compare").onclick = async () => {
  pause();
  const modal = $("modal"), body = $("modalBody");
  modal.hidden = false;
  body.innerHTML = "<h3>Compare</h3><p>running both…</p>";
  const r = await call({ cmd: "compare", a: "LeastAllocated", b: "MostAllocated" });
  body.innerHTML = `<h3>Compare at ${fmt(state.t)}: ${r.names[0]} (left) and ${r.names[1]} (right)</h3><canvas id=ca></canvas> <canvas id=cb></canvas>
    <p>${r.differ.length} pods placed differently</p><table>${r.differ.slice(0, 300).map((d) => `<tr><td>${esc(d.pod)}</td><td>${esc(d.a)}</td><td>${esc(d.b)}</td></tr>`).join("")}</table>`;
  for (const [id, st] of [["ca", r.a], ["cb", r.b]]) {
    const c = $(id), rect = c.getBoundingClientRect();
    c.width = rect.width;
    c.height = rect.height;
    drawCluster(c.getContext("2d"), st, rect.width, rect.height, null);
  }
  window.capstanCompare = r;
};

// ---- start -----------------------------------------------------------------

document.getElementById("legend").innerHTML = Object.keys(COLORS).map((k) => `<span style="background:${COLORS[k]}"></span>${NAMES[k]}`).join("");
$("example").innerHTML = EXAMPLES.map((e, i) => `<option value="${i}">${esc(e.name)}</option>`).join("");
showNodeCount();

(async () => {
  try {
    const info = await workerReady;
    stats.moduleMs = info.ms;
    const link = await decodeLink(location.hash).catch(() => null);
    if (link) {
      exampleIndex = link.example || 0;
      const ex = EXAMPLES[exampleIndex] || EXAMPLES[0];
      $("example").value = exampleIndex;
      $("yaml").value = (link.script.actions.find((a) => a.line === "apply" && a.at === 0) || {}).body || ex.yaml;
      $("seed").value = link.script.seed;
      $("strategy").value = link.script.strategy || "LeastAllocated";
      validate();
      await load(link.script, link.t);
    } else {
      await pickExample(0);
    }
  } catch (e) {
    setStatus("could not start: " + e.message);
  }
})();
