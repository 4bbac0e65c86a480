// Package checks holds the tests that keep capstan's core honest: the
// purity and documentation checks over the source tree, and (as the core
// grows) property tests, deterministic simulation with faults, bounded
// exhaustive exploration, linearizability checks and native-vs-WASM
// differential tests.
//
// Everything here is test code; the package itself exports nothing that
// production code uses. Reusable test suites live in sub-packages, e.g.
// checks/storecontract, which every store implementation must pass.
package checks
