//go:build linux

// Command pagecost measures what this machine charges for memory a process
// touches for the first time: the CPU time (user and system, from getrusage)
// and the wall time per 4 KiB page, and the minor page faults taken. The
// simulated cluster's cold benchmarks (core/sim, docs/benchmarks.md) grow
// their heap from nothing, and on a virtual machine whose host backs guest
// memory lazily that first touch can cost more than the work itself; this
// command measures it apart from any of capstan's code.
//
//	go run ./tools/pagecost                 # 512 MiB, 3 passes, 4 KiB pages
//	go run ./tools/pagecost -mib 256 -thp   # also with MADV_HUGEPAGE
//
// Each pass maps fresh anonymous memory, writes one byte in every 4 KiB
// page, and unmaps it.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

const (
	page = 4 << 10
	huge = 2 << 20
	// madvHugepage is MADV_HUGEPAGE, which package syscall does not name.
	madvHugepage = 14
)

type usage struct {
	user, sys time.Duration
	faults    int64
}

func now() usage {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		panic(err) // getrusage(RUSAGE_SELF) cannot fail on Linux
	}
	return usage{time.Duration(r.Utime.Nano()), time.Duration(r.Stime.Nano()), r.Minflt}
}

// pass maps n bytes (2 MiB-aligned, so that huge pages can back them),
// touches every 4 KiB page once and reports the cost.
func pass(n int, thp bool) (usage, time.Duration, error) {
	raw, err := syscall.Mmap(-1, 0, n+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return usage{}, 0, err
	}
	defer syscall.Munmap(raw)
	skip := int((huge - uintptr(unsafe.Pointer(&raw[0]))%huge) % huge)
	b := raw[skip : skip+n]
	if thp {
		if err := syscall.Madvise(b, madvHugepage); err != nil {
			return usage{}, 0, fmt.Errorf("madvise(MADV_HUGEPAGE): %w", err)
		}
	}
	u0, t0 := now(), time.Now()
	for i := 0; i < n; i += page {
		b[i] = 1
	}
	wall := time.Since(t0)
	u1 := now()
	return usage{u1.user - u0.user, u1.sys - u0.sys, u1.faults - u0.faults}, wall, nil
}

func main() {
	mib := flag.Int("mib", 512, "memory touched per pass, in MiB")
	passes := flag.Int("passes", 3, "passes per mode")
	thp := flag.Bool("thp", false, "also measure memory advised MADV_HUGEPAGE")
	flag.Parse()
	if *mib <= 0 || *passes <= 0 {
		fmt.Fprintln(os.Stderr, "pagecost: -mib and -passes must be positive")
		os.Exit(2)
	}
	modes := []bool{false}
	if *thp {
		modes = append(modes, true)
	}
	n := *mib << 20
	pages := float64(n / page)
	fmt.Printf("%-5s %4s %9s %12s %12s %12s %12s\n", "pages", "pass", "faults", "cpu-µs/page", "user-µs/page", "sys-µs/page", "wall-µs/page")
	for _, h := range modes {
		name := "4k"
		if h {
			name = "thp"
		}
		for p := 1; p <= *passes; p++ {
			u, wall, err := pass(n, h)
			if err != nil {
				fmt.Fprintln(os.Stderr, "pagecost:", err)
				os.Exit(1)
			}
			us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / pages }
			fmt.Printf("%-5s %4d %9d %12.2f %12.2f %12.2f %12.2f\n", name, p, u.faults, us(u.user+u.sys), us(u.user), us(u.sys), us(wall))
		}
	}
}
