//go:build wasip1

package main

import (
	"runtime/debug"
	"unsafe"

	"github.com/capstan-dev/capstan/wasm/simapi"
)

var (
	session = simapi.New()
	// buffers keeps alive the memory handed to the host, by address,
	// until it frees it.
	buffers = map[uint32][]byte{}
)

func keep(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)[:0:1]
	}
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	buffers[p] = b
	return p
}

func init() {
	// The module is single-threaded: the collector runs in the
	// simulation's time. Collect less often; the page has memory to spare.
	debug.SetGCPercent(400)
}

//go:wasmexport abi_version
func abiVersion() uint32 { return simapi.ABIVersion }

//go:wasmexport alloc
func alloc(n uint32) uint32 { return keep(make([]byte, n)) }

//go:wasmexport free
func free(p uint32) { delete(buffers, p) }

//go:wasmexport call
func call(p, n uint32) uint64 {
	req := buffers[p]
	if uint32(len(req)) < n {
		req = nil
	} else {
		req = req[:n]
	}
	out := session.Call(req)
	return uint64(keep(out))<<32 | uint64(len(out))
}

//go:wasmexport reset
func reset(seed uint64) {
	session = simapi.New()
	session.Call([]byte(`{"cmd":"load","script":{"seed":` + utoa(seed) + `,"actions":[]}}`))
}

func utoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
