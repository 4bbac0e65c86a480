package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// ParseDuration parses durations as time.ParseDuration does for the units
// scenarios use ("1h2m3.5s", "250ms", "90s"): core may not call the time
// package's functions, only use its Duration type.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if s == "0" {
		return 0, nil
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
		num, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') && s[j] != '.' {
			j++
		}
		var unit time.Duration
		switch s[:j] {
		case "ns":
			unit = time.Nanosecond
		case "us", "µs":
			unit = time.Microsecond
		case "ms":
			unit = time.Millisecond
		case "s":
			unit = time.Second
		case "m":
			unit = time.Minute
		case "h":
			unit = time.Hour
		default:
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q", orig, s[:j])
		}
		total += time.Duration(num * float64(unit))
		s = s[j:]
	}
	return total, nil
}

// formatSince renders t - epoch compactly: "0s", "12.5s", "3m20s",
// "1h2m". The event log and Describe print every instant this way.
func formatSince(t, epoch api.Time) string {
	return formatDuration(time.Duration(t - epoch))
}

// FormatDuration renders d compactly with at most millisecond precision,
// as the event log does: "0s", "1.5s", "2m30s", "1h2m".
func FormatDuration(d time.Duration) string { return formatDuration(d) }

// formatDuration renders d with at most millisecond precision.
func formatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + formatDuration(-d)
	}
	ms := int64(d / time.Millisecond)
	h, ms := ms/3_600_000, ms%3_600_000
	m, ms := ms/60_000, ms%60_000
	s, ms := ms/1000, ms%1000
	var b strings.Builder
	if h > 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "h")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "m")
	}
	if s > 0 || ms > 0 || b.Len() == 0 {
		b.WriteString(strconv.FormatInt(s, 10))
		if ms > 0 {
			frac := strings.TrimRight(fmt.Sprintf("%03d", ms), "0")
			b.WriteString("." + frac)
		}
		b.WriteString("s")
	}
	return b.String()
}
