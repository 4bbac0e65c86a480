// Package sched is capstan's scheduler: it chooses a node for each pending
// pod, filter then score, in the vocabulary of kube-scheduler's framework,
// but data-oriented, pure and deterministic, and it explains every
// decision.
package sched
