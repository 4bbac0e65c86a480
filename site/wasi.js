// wasi.js: the few WASI (snapshot preview1) functions that Go's wasip1
// runtime imports, for a reactor that does no I/O: one argument
// ("capstan"), no environment, no files, stdout and stderr to the
// console, clocks from performance.now, randomness from crypto. Every
// function the module imports must be here (wasm/'s
// TestShimProvidesImports checks the names). Plain script: the worker
// loads it with importScripts, so the page needs no build step.
"use strict";

function makeWASI(getMemory) {
  const SUCCESS = 0, BADF = 8, INVAL = 28;
  const argv = ["capstan"];
  const enc = new TextEncoder(), dec = new TextDecoder();
  const view = () => new DataView(getMemory().buffer);
  const bytes = () => new Uint8Array(getMemory().buffer);
  const lines = { 1: "", 2: "" };
  const strings = (list, ptrs, buf) => {
    const v = view(), b = bytes();
    for (const s of list) {
      const e = enc.encode(s + "\0");
      v.setUint32(ptrs, buf, true);
      ptrs += 4;
      b.set(e, buf);
      buf += e.length;
    }
    return SUCCESS;
  };
  const sizes = (list, count, size) => {
    const v = view();
    v.setUint32(count, list.length, true);
    v.setUint32(size, list.reduce((n, s) => n + enc.encode(s).length + 1, 0), true);
    return SUCCESS;
  };
  return {
    args_get(ptrs, buf) { return strings(argv, ptrs, buf); },
    args_sizes_get(count, size) { return sizes(argv, count, size); },
    environ_get(ptrs, buf) { return strings([], ptrs, buf); },
    environ_sizes_get(count, size) { return sizes([], count, size); },
    clock_res_get(id, out) { view().setBigUint64(out, 1000n, true); return SUCCESS; },
    clock_time_get(id, precision, out) {
      // 0: realtime, else monotonic; nanoseconds.
      const ms = id === 0 ? Date.now() : performance.now();
      view().setBigUint64(out, BigInt(Math.round(ms * 1e6)), true);
      return SUCCESS;
    },
    random_get(buf, len) {
      const b = bytes();
      for (let i = 0; i < len; i += 65536) crypto.getRandomValues(b.subarray(buf + i, buf + Math.min(len, i + 65536)));
      return SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwritten) {
      if (fd !== 1 && fd !== 2) return BADF;
      const v = view(), b = bytes();
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const p = v.getUint32(iovs + 8 * i, true), l = v.getUint32(iovs + 8 * i + 4, true);
        lines[fd] += dec.decode(b.subarray(p, p + l));
        n += l;
      }
      const parts = lines[fd].split("\n");
      lines[fd] = parts.pop();
      for (const line of parts) (fd === 1 ? console.log : console.warn)("capstan.wasm: " + line);
      view().setUint32(nwritten, n, true);
      return SUCCESS;
    },
    fd_read(fd, iovs, iovsLen, nread) { view().setUint32(nread, 0, true); return fd === 0 ? SUCCESS : BADF; },
    fd_seek(fd, offset, whence, out) { return BADF; },
    fd_close(fd) { return SUCCESS; },
    fd_fdstat_get(fd, out) {
      if (fd > 2) return BADF;
      const v = view();
      for (let i = 0; i < 24; i += 4) v.setUint32(out + i, 0, true);
      v.setUint8(out, 2); // a character device
      return SUCCESS;
    },
    fd_fdstat_set_flags(fd, flags) { return SUCCESS; },
    fd_prestat_get(fd, out) { return BADF; }, // no preopened directories
    fd_prestat_dir_name(fd, path, len) { return BADF; },
    poll_oneoff(subs, events, n, nevents) {
      // Go's scheduler sleeps here when idle; nothing ever waits in a
      // reactor that does no I/O, so every subscription fires at once.
      const v = view();
      for (let i = 0; i < n; i++) {
        const s = subs + 48 * i, e = events + 32 * i;
        v.setBigUint64(e, v.getBigUint64(s, true), true);
        v.setUint16(e + 8, SUCCESS, true);
        v.setUint8(e + 10, v.getUint8(s + 8));
      }
      v.setUint32(nevents, n, true);
      return SUCCESS;
    },
    proc_exit(code) { throw new Error("capstan.wasm exited with code " + code); },
    sched_yield() { return SUCCESS; },
  };
}

if (typeof self !== "undefined") self.makeWASI = makeWASI;
