// Package simapi is the playground's interface to the simulated cluster:
// one function, Session.Call, that takes a JSON request and returns a JSON
// answer. It is pure (no I/O, no clock, no goroutines), so the same code
// runs natively in tests and inside the WebAssembly module that wasm/
// builds; the differential test compares the two byte for byte.
//
// # The timeline
//
// A session holds a Script: a seed, a scheduler strategy and the user's
// actions, each a core/sim scenario command stamped with the virtual time
// (milliseconds since the start) at which it was made. The cursor is a
// virtual time. Running forward replays the script's actions as their
// times come (RunUntil to the action, then the command); going back
// rebuilds the cluster from the seed and replays up to the cursor: the
// simulation is deterministic, so the picture at any time is exactly the
// one seen before. An action made with the cursor before the end of the
// script forks it: the later actions are dropped.
//
//	script: seed, strategy, [(at, command)...]
//	          │ replay: RunUntil(at) · Exec(command) · ... · RunUntil(cursor)
//	          ▼
//	      sim.Interpreter ──► cluster ──► state, invariants, log, explain
//
// Invariants (package model) are checked on a grid of one second of
// virtual time and after every action: the snapshot ones over the store's
// objects, the history ones over the writes since the previous check
// (read from a watch of the store) with the state before them. The grid
// is part of the session, so the first violation of a run is found at the
// same time however the run was played (in one jump or frame by frame).
// While the cluster is small (DefaultPerStepPods), the invariants are
// also checked after every step that writes to the store, so the first
// violation is found at its exact step, even one that clears within the
// second. On a bigger cluster only the grid checks run, and a check sees
// a violation up to a second late; so when one sees an invariant broken
// for the first time, the session replays the script from its seed,
// quietly to the previous check point and then checking that invariant
// after every step, and reports the exact step that broke it (locate.go).
// Either way the page gets the step's number, its virtual time and its
// log lines. On a big cluster a snapshot violation that appears and
// clears between two check points is not seen at all.
//
// # Requests
//
// Every request is {"cmd": NAME, ...}; every answer is a JSON object, with
// "error" set on failure. See Request for the fields and Session.Call for
// the commands.
package simapi
