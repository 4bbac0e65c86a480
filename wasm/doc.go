// Package wasm will be the WebAssembly entry point (GOOS=wasip1 reactor)
// that exposes the simulated cluster to the browser playground in site/.
//
// It arrives with the playground issue; until then the package is empty on
// purpose.
package wasm
