// Package node is the kubelet's logic as a pure, deterministic state machine.
package node
