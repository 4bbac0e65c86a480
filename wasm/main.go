package main

// main is not run: a c-shared WASI module is a reactor, initialised by
// _initialize and then called through its exports (exports.go).
func main() {}
