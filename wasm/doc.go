// Command wasm is the playground's WebAssembly module: core/sim and the
// playground's JSON interface (wasm/simapi) built as a WASI reactor
// (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared; `make wasm` writes
// site/capstan.wasm). The module keeps one simapi.Session between calls
// and exports:
//
//	abi_version() u32         simapi.ABIVersion
//	alloc(n u32) u32          a buffer of n bytes in the module's memory
//	free(p u32)               releases a buffer from alloc or call
//	call(p u32, n u32) u64    runs the JSON request in bytes [p, p+n) and
//	                          returns the answer's buffer: ptr<<32 | len
//	reset(seed u64)           a fresh session with an empty script
//
// The host runs _initialize once, then: p = alloc(n); write the request;
// r = call(p, n); free(p); read r's bytes; free(r >> 32). The same bytes
// run in CI (under wazero: see wasm_test.go) and in the browser (site/'s
// Web Worker, through a small WASI shim).
package main
