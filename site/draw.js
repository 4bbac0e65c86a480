// draw.js: the cluster on a canvas. One box per node (name, cpu and
// memory bars, a cell per pod coloured by its letter); pending pods in a
// strip above. Nothing per pod in the DOM: 1,000 nodes and 30,000 pods
// are one canvas. layout() is shared by drawing and hit-testing.
"use strict";

const COLORS = {
  P: "#adb5bd", C: "#fab005", R: "#2f9e44", N: "#94d82d", E: "#e03131", S: "#4dabf7", T: "#9c36b5", U: "#495057",
};
const NAMES = {
  P: "pending", C: "starting", R: "running, ready", N: "running, not ready", E: "failing", S: "succeeded", T: "terminating", U: "unknown",
};

function layout(state, W, H) {
  const n = state.nodes.length;
  const pendH = state.pendingCount > 0 ? 22 : 0;
  const top = pendH + 4;
  const maxPods = Math.max(1, ...state.nodes.map((x) => Math.max(x.s.length, x.pods[1] > 0 ? Math.min(x.pods[1], 64) : 8)));
  // Columns: fill the area with boxes of about the canvas' aspect.
  let cols = Math.max(1, Math.ceil(Math.sqrt((n * W) / Math.max(1, H - top) / 1.4)));
  cols = Math.max(cols, Math.min(n, Math.floor(W / 240))); // few nodes: boxes of at most 240px
  const rows = Math.max(1, Math.ceil(n / cols));
  const bw = Math.floor(W / cols);
  let bh = Math.min(Math.floor((H - top) / rows), Math.floor(bw * 0.9));
  const small = bw < 70;
  const pad = small ? 1 : 4;
  const head = small ? 3 : 34;
  const areaW = bw - 2 * pad - 2, areaH = bh - head - 2 * pad - 2;
  // Pod cells: the largest square that fits maxPods in the area.
  let cell = Math.min(16, Math.max(1, Math.floor(Math.sqrt((areaW * areaH) / maxPods))));
  while (cell > 1 && Math.floor(areaW / cell) * Math.floor(areaH / cell) < maxPods) cell--;
  const perRow = Math.max(1, Math.floor(areaW / cell));
  if (!small) bh = Math.min(bh, head + 2 * pad + 8 + Math.ceil(maxPods / perRow) * cell);
  return { cols, rows, bw, bh, pad, head, cell, perRow, small, top, pendH };
}

function drawCluster(ctx, state, W, H, sel) {
  ctx.clearRect(0, 0, W, H);
  if (!state) return;
  const L = layout(state, W, H);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "top";
  if (L.pendH) {
    ctx.fillStyle = "#52606d";
    ctx.fillText(`pending ${state.pendingCount}`, 4, 5);
    for (let i = 0; i < state.pending.length; i++) {
      const name = state.pending[i];
      ctx.fillStyle = sel && sel.pod === name ? "#1c7ed6" : COLORS.P;
      ctx.fillRect(80 + i * 12, 4, 10, 14);
    }
  }
  state.nodes.forEach((nd, i) => {
    const x = (i % L.cols) * L.bw, y = L.top + Math.floor(i / L.cols) * L.bh;
    const w = L.bw - 2 * L.pad, h = L.bh - 2 * L.pad;
    const bx = x + L.pad, by = y + L.pad;
    let border = "#cbd2d9", fill = "#fbfcfd";
    if (nd.down) { fill = "#ffe3e3"; border = "#e03131"; }
    else if (nd.partitioned) { fill = "#fff4e6"; border = "#f76707"; }
    else if (nd.ready !== "True") { fill = "#fff9db"; border = "#f59f00"; }
    if (nd.unschedulable) fill = "#f1f3f5";
    if (sel && sel.node === nd.name && sel.slot === undefined) border = "#1c7ed6";
    ctx.fillStyle = fill;
    ctx.fillRect(bx, by, w, h);
    if (!L.small || (sel && sel.node === nd.name)) {
      ctx.strokeStyle = border;
      ctx.lineWidth = sel && sel.node === nd.name ? 2 : 1;
      ctx.strokeRect(bx + 0.5, by + 0.5, w - 1, h - 1);
    } else if (border !== "#cbd2d9") {
      ctx.fillStyle = border;
      ctx.fillRect(bx, by, w, 2);
    }
    if (!L.small) {
      ctx.fillStyle = "#1d2430";
      let label = nd.name;
      if (nd.down) label += " (down)";
      else if (nd.partitioned) label += " (partitioned)";
      else if (nd.ready !== "True") label += " (" + nd.ready + ")";
      ctx.fillText(label, bx + 4, by + 3, w - 8);
      bar(ctx, bx + 4, by + 17, w - 8, nd.cpu[0], nd.cpu[1], "#4c6ef5");
      bar(ctx, bx + 4, by + 24, w - 8, nd.memory[0], nd.memory[1], "#15aabf");
    }
    const ax = bx + 1, ay = by + L.head;
    const c = L.cell, gap = c >= 5 ? 1 : 0;
    // Runs of one letter within a row are one rectangle when cells touch
    // (small cells): a few fills per node instead of one per pod.
    for (let k = 0; k < nd.s.length; ) {
      const px = ax + (k % L.perRow) * c, py = ay + Math.floor(k / L.perRow) * c;
      if (py + c > by + h) break;
      let run = 1;
      if (!gap) while (k + run < nd.s.length && nd.s[k + run] === nd.s[k] && (k + run) % L.perRow !== 0) run++;
      ctx.fillStyle = COLORS[nd.s[k]] || COLORS.U;
      ctx.fillRect(px, py, run * c - gap, c - gap);
      k += run;
    }
    if (sel && sel.node === nd.name && sel.slot !== undefined) {
      const px = ax + (sel.slot % L.perRow) * c, py = ay + Math.floor(sel.slot / L.perRow) * c;
      ctx.strokeStyle = "#1c7ed6";
      ctx.lineWidth = 2;
      ctx.strokeRect(px - 1, py - 1, c + 1, c + 1);
    }
  });
}

function bar(ctx, x, y, w, used, total, color) {
  ctx.fillStyle = "#e9ecef";
  ctx.fillRect(x, y, w, 5);
  const f = total > 0 ? Math.min(1, used / total) : 0;
  ctx.fillStyle = used > total ? "#e03131" : color;
  ctx.fillRect(x, y, Math.round(w * f), 5);
}

// hit returns what is at (x, y): {pending: i}, {node, slot} or {node}.
function hit(state, W, H, x, y) {
  if (!state) return null;
  const L = layout(state, W, H);
  if (L.pendH && y < L.pendH) {
    const i = Math.floor((x - 80) / 12);
    return i >= 0 && i < state.pending.length ? { pending: i, pod: state.pending[i] } : null;
  }
  const col = Math.floor(x / L.bw), row = Math.floor((y - L.top) / L.bh);
  if (col < 0 || col >= L.cols || row < 0) return null;
  const i = row * L.cols + col;
  const nd = state.nodes[i];
  if (!nd) return null;
  const bx = col * L.bw + L.pad, by = L.top + row * L.bh + L.pad;
  const cx = Math.floor((x - bx - 1) / L.cell), cy = Math.floor((y - by - L.head) / L.cell);
  if (cx >= 0 && cx < L.perRow && cy >= 0) {
    const k = cy * L.perRow + cx;
    if (k < nd.s.length) return { node: nd.name, slot: k };
  }
  return { node: nd.name };
}

if (typeof self !== "undefined") Object.assign(self, { drawCluster, hit, COLORS, NAMES });
