// Package printers turns capstan objects into meta.k8s.io/v1 Tables with
// kubectl's columns and cell formats, and renders Tables as kubectl prints
// them.
//
//	objects ──ToTable(objs, now)──▶ Table ──Print(w, table, opts)──▶ text
//	                                  │
//	                                  └──▶ JSON (the API server's as=Table)
//
// Every kind of core/api has its columns (table.go lists them; the wide
// ones have priority 1) and a row function, a pure function of the object
// and the present instant: AGE and the other durations are printed as
// kubectl's HumanDuration prints them (5m3s, 3h, 2d), and a pod's STATUS is
// computed as kubectl computes it (Init:0/1, ContainerCreating,
// CrashLoopBackOff, Completed, Terminating, ...). The server serves these
// Tables for `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`, and the
// capstan CLI prints from them, so both show the same thing.
//
// Nothing here does I/O other than writing to the io.Writer given to Print,
// and nothing reads the clock: the present is an argument.
package printers
