package api

// Timestamps without the time package: core never reads a clock, and the
// only thing it takes from "time" is the Duration type. Dates are computed
// with Howard Hinnant's days-from-civil / civil-from-days algorithms on the
// proleptic Gregorian calendar.
//
// Range: a Time is int64 nanoseconds since the Unix epoch, so it spans
// 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z; the
// calendar functions themselves hold for years 0001..9999 and beyond.
// The epoch itself is the zero value and so means "unset".

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Time is an instant as nanoseconds since the Unix epoch, UTC. Zero means unset.
type Time int64

// MicroTime is a Time that marshals with microsecond precision, as
// Kubernetes' MicroTime (Lease acquireTime and renewTime). Conversions
// Time(m) and MicroTime(t) are free.
type MicroTime int64

const (
	nanosPerSecond = int64(time.Second)
	secondsPerDay  = 86400
	// unixToCivil is days from 0000-03-01 to 1970-01-01.
	unixToCivil = 719468
)

// Unix returns the instant sec seconds and nsec nanoseconds after the epoch;
// nsec may be outside [0, 1e9). Instants beyond Time's range saturate at
// its ends.
func Unix(sec, nsec int64) Time {
	if nsec < 0 || nsec >= nanosPerSecond {
		q := floorDiv(nsec, nanosPerSecond)
		nsec -= q * nanosPerSecond
		if (q > 0 && sec > math.MaxInt64-q) || (q < 0 && sec < math.MinInt64-q) {
			return saturate(q > 0)
		}
		sec += q
	}
	ns, ok := unixNano(sec, nsec)
	if !ok {
		return saturate(sec > 0)
	}
	return Time(ns)
}

func saturate(up bool) Time {
	if up {
		return math.MaxInt64
	}
	return math.MinInt64
}

// unixNano returns sec·1e9 + nsec for 0 ≤ nsec < 1e9, if it fits an int64.
func unixNano(sec, nsec int64) (int64, bool) {
	if sec >= 0 {
		if sec > (math.MaxInt64-nsec)/nanosPerSecond {
			return 0, false
		}
		return sec*nanosPerSecond + nsec, true
	}
	// (sec+1)·1e9 - (1e9-nsec), avoiding the overflow of sec·1e9 at the
	// bottom of the range.
	s1 := sec + 1
	if s1 < math.MinInt64/nanosPerSecond {
		return 0, false
	}
	v, d := s1*nanosPerSecond, nanosPerSecond-nsec
	if v < math.MinInt64+d {
		return 0, false
	}
	return v - d, true
}

// floorDiv is a/b rounded toward negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// IsZero reports whether t is unset.
func (t Time) IsZero() bool { return t == 0 }

// Add returns t+d, saturating at the ends of Time's range.
func (t Time) Add(d time.Duration) Time {
	s := t + Time(d)
	if (d > 0 && s < t) || (d < 0 && s > t) {
		return saturate(d > 0)
	}
	return s
}

// Sub returns t-u, saturating at the ends of Duration's range.
func (t Time) Sub(u Time) time.Duration {
	d := t - u
	if (u > 0 && d > t) || (u < 0 && d < t) {
		if u > 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return time.Duration(d)
}

// Before reports whether t is earlier than u.
func (t Time) Before(u Time) bool { return t < u }

// After reports whether t is later than u.
func (t Time) After(u Time) bool { return t > u }

// UnixSec returns t in whole seconds since the epoch, rounded down (so
// instants before 1970 give the second that contains them).
func (t Time) UnixSec() int64 { return floorDiv(int64(t), nanosPerSecond) }

// Truncate rounds t down to a multiple of d since the epoch; for d ≤ 0 it
// returns t unchanged. For d dividing a day this matches time.Time.Truncate.
// Below the first multiple in range it saturates at the bottom of the range.
func (t Time) Truncate(d time.Duration) Time {
	if d <= 0 {
		return t
	}
	m := int64(t) % int64(d)
	if m < 0 {
		m += int64(d)
	}
	if int64(t) < math.MinInt64+m {
		return math.MinInt64
	}
	return t - Time(m)
}

// String returns t in RFC 3339 at second precision in UTC, as in
// "2026-11-26T18:00:00Z" (fractions are dropped, rounding down). The
// zero Time prints as "" (and marshals as null).
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	var buf [32]byte
	return string(appendRFC3339(buf[:0], int64(t), 0))
}

// MarshalJSON writes t as Kubernetes' metav1.Time does: an RFC 3339 string
// at second precision in UTC, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return appendJSONTime(int64(t), 0), nil
}

// UnmarshalJSON reads null as zero and a string as ParseTime does.
func (t *Time) UnmarshalJSON(data []byte) error {
	v, err := unmarshalTime(data)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// IsZero reports whether t is unset.
func (t MicroTime) IsZero() bool { return t == 0 }

// String returns t in RFC 3339 with exactly six fraction digits in UTC, as
// in "2026-11-26T18:00:00.123456Z" (finer digits are dropped). The zero
// MicroTime prints as "".
func (t MicroTime) String() string {
	if t.IsZero() {
		return ""
	}
	var buf [40]byte
	return string(appendRFC3339(buf[:0], int64(t), 6))
}

// MarshalJSON writes t as Kubernetes' metav1.MicroTime does, or null for
// the zero MicroTime.
func (t MicroTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return appendJSONTime(int64(t), 6), nil
}

// UnmarshalJSON reads null as zero and a string as ParseTime does: any
// number of fraction digits is accepted (Kubernetes insists on six), and
// nanoseconds are kept.
func (t *MicroTime) UnmarshalJSON(data []byte) error {
	v, err := unmarshalTime(data)
	if err != nil {
		return err
	}
	*t = MicroTime(v)
	return nil
}

func appendJSONTime(ns int64, fracDigits int) []byte {
	b := make([]byte, 0, 40)
	b = appendRFC3339(append(b, '"'), ns, fracDigits)
	return append(b, '"')
}

func unmarshalTime(data []byte) (Time, error) {
	s := string(data)
	if s == "null" {
		return 0, nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return 0, fmt.Errorf("invalid time %s: want a JSON string or null", clip(s))
	}
	return ParseTime(s[1 : len(s)-1])
}

// appendRFC3339 appends ns as YYYY-MM-DDTHH:MM:SS[.fff…]Z with fracDigits
// (0..9) digits of fraction, rounding down.
func appendRFC3339(b []byte, ns int64, fracDigits int) []byte {
	sec := floorDiv(ns, nanosPerSecond)
	nsec := ns - sec*nanosPerSecond
	days := floorDiv(sec, secondsPerDay)
	rem := sec - days*secondsPerDay
	y, m, d := civilFromDays(days)
	b = appendDigits(b, y, 4)
	b = appendDigits(append(b, '-'), m, 2)
	b = appendDigits(append(b, '-'), d, 2)
	b = appendDigits(append(b, 'T'), rem/3600, 2)
	b = appendDigits(append(b, ':'), rem/60%60, 2)
	b = appendDigits(append(b, ':'), rem%60, 2)
	if fracDigits > 0 {
		f := nsec
		for range 9 - fracDigits {
			f /= 10
		}
		b = appendDigits(append(b, '.'), f, fracDigits)
	}
	return append(b, 'Z')
}

// appendDigits appends v ≥ 0 in decimal, zero-padded to width digits.
func appendDigits(b []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[i:]...)
}

// daysFromCivil returns the days from 1970-01-01 to the proleptic Gregorian
// date y-m-d (m in 1..12, d in 1..31).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y-- // count the year from March, so that Feb 29 is its last day
	}
	era := floorDiv(y, 400)
	yoe := y - era*400                     // year of era, [0, 399]
	doy := (153*((m+9)%12)+2)/5 + d - 1    // day of year from March 1, [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // day of era, [0, 146096]
	return era*146097 + doe - unixToCivil
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(days int64) (y, m, d int64) {
	z := days + unixToCivil
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153 // month from March, [0, 11]
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	y = yoe + era*400
	if m > 12 {
		m -= 12
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var errTimeSyntax = errors.New(`want RFC 3339, as in "2006-01-02T15:04:05Z" or "2006-01-02T15:04:05.5+02:00"`)

// ParseTime parses an RFC 3339 timestamp: "YYYY-MM-DDTHH:MM:SS", optional
// fraction digits after '.' (kept to the nanosecond, finer ones dropped),
// then 'Z' or an offset "+hh:mm" / "-hh:mm". Like Go's time.Parse (which
// Kubernetes uses) it takes upper-case 'T' and 'Z' only and no leap
// seconds; unlike it, it also rejects what RFC 3339 does not allow: a ','
// before the fraction, one-digit hours, offsets of 24h or more or with 60+
// minutes. An instant outside Time's range is an error.
func ParseTime(s string) (Time, error) {
	sec, nsec, err := parseRFC3339(s)
	if err != nil {
		return 0, fmt.Errorf("invalid time %q: %w", clip(s), err)
	}
	ns, ok := unixNano(sec, nsec)
	if !ok {
		return 0, fmt.Errorf("invalid time %q: outside the representable range 1677-09-21 to 2262-04-11", clip(s))
	}
	return Time(ns), nil
}

func parseRFC3339(s string) (sec, nsec int64, err error) {
	if len(s) < len("2006-01-02T15:04:05Z") ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return 0, 0, errTimeSyntax
	}
	num := func(i, n int) int64 {
		var v int64
		for _, c := range []byte(s[i : i+n]) {
			if !isDigit(c) {
				return -1
			}
			v = v*10 + int64(c-'0')
		}
		return v
	}
	y, mo, d := num(0, 4), num(5, 2), num(8, 2)
	h, mi, se := num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0 {
		return 0, 0, errTimeSyntax
	}
	switch {
	case mo < 1 || mo > 12:
		return 0, 0, errors.New("month out of range")
	case d < 1 || d > daysIn(y, mo):
		return 0, 0, errors.New("day out of range")
	case h > 23 || mi > 59 || se > 59:
		return 0, 0, errors.New("hour, minute or second out of range")
	}
	rest := s[19:]
	if len(rest) >= 2 && rest[0] == '.' && isDigit(rest[1]) {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			if i <= 9 {
				nsec = nsec*10 + int64(rest[i]-'0')
			}
			i++
		}
		for j := i; j <= 9; j++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	var offset int64
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := num(len(s)-5, 2), num(len(s)-2, 2)
		if oh < 0 || om < 0 {
			return 0, 0, errTimeSyntax
		}
		if oh > 23 || om > 59 {
			return 0, 0, errors.New("time zone offset out of range")
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, 0, errTimeSyntax
	}
	sec = daysFromCivil(y, mo, d)*secondsPerDay + h*3600 + mi*60 + se - offset
	return sec, nsec, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
