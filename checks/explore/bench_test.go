package explore

import "testing"

// BenchmarkSetup measures building the initial state of each
// configuration: every replay starts with it.
func BenchmarkSetup(b *testing.B) {
	for _, cfg := range Configs() {
		cfg.setDefaults()
		b.Run(cfg.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := newWorld(&cfg, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHash measures hashing the initial state of each configuration.
func BenchmarkHash(b *testing.B) {
	for _, cfg := range Configs() {
		cfg.setDefaults()
		w, err := newWorld(&cfg, false)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(cfg.Name, func(b *testing.B) {
			for b.Loop() {
				w.Hash()
			}
		})
	}
}

// BenchmarkSettle measures the canonical schedule from the initial state
// to quiescence, per transition.
func BenchmarkSettle(b *testing.B) {
	for _, cfg := range Configs() {
		cfg.setDefaults()
		b.Run(cfg.Name, func(b *testing.B) {
			steps := 0
			for b.Loop() {
				b.StopTimer()
				w, err := newWorld(&cfg, false)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n, err := w.Settle(cfg.Horizon, 10000)
				if err != nil {
					b.Fatal(err)
				}
				steps += n
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/transition")
		})
	}
}
