// worker.js: runs capstan.wasm (core/sim behind wasm/simapi) off the page's
// thread. Messages in: {id, req} (a simapi request object); out: {id,
// text (the JSON answer), ms (time spent in the module)}. The first
// message out is {ready, abi, ms} once the module is instantiated.
"use strict";
importScripts("wasi.js");

let ex = null;
const enc = new TextEncoder(), dec = new TextDecoder();

function call(req) {
  const b = enc.encode(JSON.stringify(req));
  const p = ex.alloc(b.length);
  new Uint8Array(ex.memory.buffer, p, b.length).set(b);
  const r = ex.call(p, b.length);
  ex.free(p);
  const ptr = Number(r >> 32n), len = Number(r & 0xffffffffn);
  const text = dec.decode(new Uint8Array(ex.memory.buffer, ptr, len));
  ex.free(ptr);
  return text;
}

const ready = (async () => {
  const t0 = performance.now();
  const imports = { wasi_snapshot_preview1: makeWASI(() => ex.memory) };
  const res = await fetch("capstan.wasm");
  let inst;
  if (WebAssembly.instantiateStreaming && (res.headers.get("content-type") || "").includes("wasm")) {
    inst = (await WebAssembly.instantiateStreaming(res, imports)).instance;
  } else {
    inst = (await WebAssembly.instantiate(await res.arrayBuffer(), imports)).instance;
  }
  ex = inst.exports;
  ex._initialize();
  postMessage({ ready: true, abi: ex.abi_version(), ms: performance.now() - t0 });
})().catch((e) => postMessage({ ready: false, error: String(e) }));

onmessage = async (e) => {
  await ready;
  const { id, req } = e.data;
  const t0 = performance.now();
  let text;
  try {
    text = call(req);
  } catch (err) {
    text = JSON.stringify({ error: "the module failed: " + err });
  }
  postMessage({ id, text, ms: performance.now() - t0 });
};
