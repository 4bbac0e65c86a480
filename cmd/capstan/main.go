// Command capstan is the one binary of capstan: the simulator today, and
// the API server, the node agent, the playground and the kubectl-like
// client as they arrive.
//
//	capstan sim -f manifests.yaml --nodes 5    place pods on simulated nodes
//	capstan version                            print the version
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		// cobra has printed usage errors already; our own errors carry
		// their full text.
		var ex exitError
		if asExit(err, &ex) {
			fmt.Fprintln(os.Stderr, ex.msg)
			os.Exit(ex.code)
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
