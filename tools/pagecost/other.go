//go:build !linux

// Command pagecost measures the cost of first-touched memory; it needs Linux.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "pagecost: Linux only")
	os.Exit(2)
}
