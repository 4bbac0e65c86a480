package api

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const rfc3339Micro = "2006-01-02T15:04:05.000000Z07:00" // Kubernetes' RFC3339Micro

var strictRFC3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

func TestTimeKnownInstants(t *testing.T) {
	for _, c := range []struct {
		ns   int64
		want string
	}{
		{1, "1970-01-01T00:00:00Z"},
		{999_999_999, "1970-01-01T00:00:00Z"},
		{-1, "1969-12-31T23:59:59Z"},
		{951782400e9, "2000-02-29T00:00:00Z"},
		{951868800e9, "2000-03-01T00:00:00Z"},
		{1709164800e9, "2024-02-29T00:00:00Z"},
		{1798308000e9, "2026-12-26T18:00:00Z"},
		{1795716000e9, "2026-11-26T18:00:00Z"},
		{2147483647e9, "2038-01-19T03:14:07Z"},
		{2147483648e9, "2038-01-19T03:14:08Z"},
		{4107542400e9, "2100-03-01T00:00:00Z"},
		{-2203891200e9, "1900-03-01T00:00:00Z"},
		{-2208988800e9, "1900-01-01T00:00:00Z"},
		{math.MaxInt64, "2262-04-11T23:47:16Z"},
		{math.MinInt64, "1677-09-21T00:12:43Z"},
	} {
		if got := Time(c.ns).String(); got != c.want {
			t.Errorf("Time(%d).String() = %q, want %q", c.ns, got, c.want)
		}
		if c.ns == math.MinInt64 {
			continue // its whole second starts before Time's range
		}
		got, err := ParseTime(c.want)
		if want := Time(c.ns).Truncate(time.Second); err != nil || got != want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", c.want, got, err, want)
		}
	}
	if s := Time(0).String(); s != "" {
		t.Errorf("zero Time prints %q, want \"\"", s)
	}
	if s := string(appendRFC3339(nil, 0, 0)); s != "1970-01-01T00:00:00Z" {
		t.Errorf("the epoch formats as %q", s)
	}
}

func TestCivilCalendar(t *testing.T) {
	// Every day from 0001-01-01 to 9999-12-31 against the time package.
	ref := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	first := daysFromCivil(1, 1, 1)
	if want := ref.Unix() / secondsPerDay; first != want {
		t.Fatalf("daysFromCivil(1,1,1) = %d, want %d", first, want)
	}
	for days := first; ; days++ {
		y, m, d := civilFromDays(days)
		if y != int64(ref.Year()) || m != int64(ref.Month()) || d != int64(ref.Day()) {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", days, y, m, d, ref.Format(time.DateOnly))
		}
		if got := daysFromCivil(y, m, d); got != days {
			t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, m, d, got, days)
		}
		if y == 9999 && m == 12 && d == 31 {
			break
		}
		ref = ref.AddDate(0, 0, 1)
	}
	// The formatter is not limited to Time's range.
	for _, s := range []string{"9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2400-02-29T12:00:00Z"} {
		rt, _ := time.Parse(time.RFC3339, s)
		days := floorDiv(rt.Unix(), secondsPerDay)
		y, m, d := civilFromDays(days)
		if y != int64(rt.Year()) || m != int64(rt.Month()) || d != int64(rt.Day()) {
			t.Errorf("%s: civilFromDays gives %d-%d-%d", s, y, m, d)
		}
	}
	if daysIn(1900, 2) != 28 || daysIn(2000, 2) != 29 || daysIn(2024, 2) != 29 || daysIn(2026, 2) != 28 || daysIn(2026, 4) != 30 {
		t.Errorf("daysIn is wrong about leap years or short months")
	}
}

func TestTimeAgainstTimePackage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(9*3600 + 30*60)), time.FixedZone("", 14*3600), time.FixedZone("", -23*3600-59*60)}
	for i := range 200000 {
		ns := r.Int64()
		switch i % 4 {
		case 0:
			ns = -ns
		case 1:
			ns = r.Int64N(4102444800e9) // 1970..2100
		case 2:
			ns = r.Int64N(4102444800) * 1e9
		}
		if ns == 0 {
			continue
		}
		ref := time.Unix(0, ns).UTC()
		tm := Time(ns)
		if got, want := tm.String(), ref.Format(time.RFC3339); got != want {
			t.Fatalf("Time(%d).String() = %q, want %q", ns, got, want)
		}
		if got, want := MicroTime(ns).String(), ref.Format(rfc3339Micro); got != want {
			t.Fatalf("MicroTime(%d).String() = %q, want %q", ns, got, want)
		}
		if got, want := tm.UnixSec(), ref.Unix(); got != want {
			t.Fatalf("Time(%d).UnixSec() = %d, want %d", ns, got, want)
		}
		if got := Unix(ref.Unix(), int64(ref.Nanosecond())); got != tm {
			t.Fatalf("Unix(%d, %d) = %d, want %d", ref.Unix(), ref.Nanosecond(), got, ns)
		}
		d := []time.Duration{1, time.Microsecond, time.Millisecond, time.Second, time.Minute, time.Hour, 24 * time.Hour}[i%7]
		if got, want := tm.Truncate(d), ref.Truncate(d).UnixNano(); int64(got) != want {
			t.Fatalf("Time(%d).Truncate(%v) = %d, want %d", ns, d, got, want)
		}
		text := ref.In(zones[i%len(zones)]).Format(time.RFC3339Nano)
		if got, err := ParseTime(text); err != nil || got != tm {
			t.Fatalf("ParseTime(%q) = %d, %v; want %d", text, got, err, ns)
		}
		js, _ := json.Marshal(tm)
		refJS, _ := json.Marshal(ref.Format(time.RFC3339))
		if string(js) != string(refJS) {
			t.Fatalf("Marshal(Time(%d)) = %s, want %s", ns, js, refJS)
		}
		var back Time
		if err := json.Unmarshal(js, &back); err != nil || (back != tm.Truncate(time.Second) && back != 0) {
			t.Fatalf("Unmarshal(%s) = %d, %v", js, back, err)
		}
	}
}

func TestTimeArithmetic(t *testing.T) {
	base, err := ParseTime("2026-11-26T18:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	later := base.Add(90 * time.Minute)
	if later.String() != "2026-11-26T19:30:00Z" || later.Sub(base) != 90*time.Minute || base.Sub(later) != -90*time.Minute {
		t.Errorf("Add/Sub: %s, %v", later, later.Sub(base))
	}
	if !base.Before(later) || base.After(later) || !later.After(base) || base.Before(base) || base.After(base) {
		t.Errorf("Before/After are wrong")
	}
	if base.Add(-24*time.Hour).String() != "2026-11-25T18:00:00Z" {
		t.Errorf("Add(-24h) = %s", base.Add(-24*time.Hour))
	}
	if got := base.Add(1500 * time.Millisecond).Truncate(time.Second); got != base.Add(time.Second) {
		t.Errorf("Truncate = %s", got)
	}
	if got := base.Add(7).Truncate(0); got != base.Add(7) {
		t.Errorf("Truncate(0) changed the time")
	}
	if got := Time(math.MaxInt64 - 5).Add(time.Hour); got != math.MaxInt64 {
		t.Errorf("Add does not saturate up: %d", got)
	}
	if got := Time(math.MinInt64 + 5).Add(-time.Hour); got != math.MinInt64 {
		t.Errorf("Add does not saturate down: %d", got)
	}
	if got := Time(math.MaxInt64).Sub(Time(math.MinInt64)); got != math.MaxInt64 {
		t.Errorf("Sub does not saturate up: %v", got)
	}
	if got := Time(math.MinInt64).Sub(Time(math.MaxInt64)); got != math.MinInt64 {
		t.Errorf("Sub does not saturate down: %v", got)
	}
	for _, c := range []struct {
		sec, nsec int64
		want      Time
	}{
		{0, 1, 1}, {1, -1, 999_999_999}, {-1, 2e9, 1e9}, {0, -1, -1}, {1795716000, 0, 1795716000e9},
		{math.MaxInt64, 0, math.MaxInt64}, {math.MinInt64, 0, math.MinInt64},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64}, {math.MinInt64, math.MinInt64, math.MinInt64},
		{-9223372037, 145224192, math.MinInt64}, {-9223372037, 145224191, math.MinInt64},
		{9223372036, 854775807, math.MaxInt64}, {9223372036, 854775808, math.MaxInt64},
		{-9223372036, -854775808, math.MinInt64},
	} {
		if got := Unix(c.sec, c.nsec); got != c.want {
			t.Errorf("Unix(%d, %d) = %d, want %d", c.sec, c.nsec, got, c.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // ns
	}{
		{"2026-11-26T18:00:00Z", 1795716000e9},
		{"2026-11-26T20:00:00+02:00", 1795716000e9},
		{"2026-11-26T13:30:00-04:30", 1795716000e9},
		{"2026-11-27T17:59:00+23:59", 1795716000e9},
		{"2026-11-26T18:00:00-00:00", 1795716000e9},
		{"2026-11-26T18:00:00.123456789Z", 1795716000123456789},
		{"2026-11-26T18:00:00.1234567891234Z", 1795716000123456789},
		{"2026-11-26T18:00:00.5Z", 1795716000500000000},
		{"2026-11-26T18:00:00.000001+00:00", 1795716000000001000},
		{"2000-02-29T00:00:00Z", 951782400e9},
		{"1969-12-31T23:59:59.999999999Z", -1},
		{"2262-04-11T23:47:16.854775807Z", math.MaxInt64},
		{"1677-09-21T00:12:43.145224192Z", math.MinInt64},
		{"1970-01-01T00:00:00Z", 0}, // the epoch is the unset value
	} {
		got, err := ParseTime(c.in)
		if err != nil || int64(got) != c.want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"", "garbage", "2026-11-26", "2026-11-26T18:00:00", "2026-11-26 18:00:00Z",
		"2026-11-26t18:00:00Z", "2026-11-26T18:00:00z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z",
		"2026-11-26T24:00:00Z", "2026-11-26T18:60:00Z", "2026-11-26T18:00:60Z", "2026-11-26T18:00:00.Z",
		"2026-11-26T18:00:00,5Z", "2026-11-26T18:00:00+2:00", "2026-11-26T18:00:00+02", "2026-11-26T18:00:00+0200",
		"2026-11-26T18:00:00+24:00", "2026-11-26T18:00:00+02:60", "2026-11-26T18:00:00ZZ", "2026-11-26T18:00:00Z ",
		" 2026-11-26T18:00:00Z", "+2026-11-26T18:00:00Z", "-026-11-26T18:00:00Z", "20261-11-26T18:00:00Z",
		"2026-1-26T18:00:00Z", "2026-11-26T8:00:00Z", "2026-11-26T18:00:00+02:00Z", "2026-11-26T1a:00:00Z",
		"2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224191Z", "9999-12-31T23:59:59Z",
		"0000-01-01T00:00:00Z", "2026-11-26T18:00:00.5", "2026-11-26T18:00:00\x00", "2026-11-26T18:00:00+\x0002:00",
		"2026-11-26T18:00:00+ab:cd", "2026-11-26T18:00:00+-2:00",
	} {
		if got, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %d, want an error", bad, got)
		}
	}
	if _, err := ParseTime(strings.Repeat("x", 1000)); err == nil || len(err.Error()) > 200 {
		t.Errorf("a long bad input gives %v", err)
	}
}

func TestTimeJSON(t *testing.T) {
	type meta struct {
		Created Time      `json:"creationTimestamp,omitzero"`
		Deleted *Time     `json:"deletionTimestamp,omitempty"`
		Renew   MicroTime `json:"renewTime,omitzero"`
		Plain   Time      `json:"plain"`
	}
	del := Time(1795716000e9)
	m := meta{Created: 1795716000123456789, Deleted: &del, Renew: 1795716000123456789}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"creationTimestamp":"2026-11-26T18:00:00Z","deletionTimestamp":"2026-11-26T18:00:00Z","renewTime":"2026-11-26T18:00:00.123456Z","plain":null}`
	if string(out) != want {
		t.Errorf("Marshal = %s\nwant      %s", out, want)
	}
	if out, _ := json.Marshal(meta{}); string(out) != `{"plain":null}` {
		t.Errorf("zero times: %s", out)
	}
	var back meta
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	wantBack := meta{Created: 1795716000e9, Deleted: &del, Renew: 1795716000123456000}
	if !reflect.DeepEqual(back, wantBack) {
		t.Errorf("Unmarshal = %+v, want %+v", back, wantBack)
	}
	in := `{"creationTimestamp":"2026-11-26T20:00:00.25+02:00","deletionTimestamp":null,"renewTime":"2026-11-26T18:00:00.123456789Z","plain":null}`
	back = meta{Plain: 5}
	if err := json.Unmarshal([]byte(in), &back); err != nil {
		t.Fatal(err)
	}
	if back.Created != 1795716000250000000 || back.Deleted != nil || back.Renew != 1795716000123456789 || back.Plain != 0 {
		t.Errorf("Unmarshal(%s) = %+v", in, back)
	}
	for _, bad := range []string{`""`, `"garbage"`, `123`, `true`, `{}`, `"2026-11-26T18:00:00"`, `"3000-01-01T00:00:00Z"`} {
		var tm Time
		if err := json.Unmarshal([]byte(bad), &tm); err == nil {
			t.Errorf("Unmarshal(%s) into Time succeeded: %d", bad, tm)
		}
		var mt MicroTime
		if err := json.Unmarshal([]byte(bad), &mt); err == nil {
			t.Errorf("Unmarshal(%s) into MicroTime succeeded: %d", bad, mt)
		}
	}
	if MicroTime(0).String() != "" || !MicroTime(0).IsZero() || MicroTime(1).IsZero() {
		t.Errorf("zero MicroTime")
	}
	if s := MicroTime(-1).String(); s != "1969-12-31T23:59:59.999999Z" {
		t.Errorf("MicroTime(-1) = %s", s)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-26T18:00:00Z", "2026-11-26T20:00:00+02:00", "2026-11-26T18:00:00.123456789Z",
		"2000-02-29T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2262-04-11T23:47:16.854775807Z",
		"1677-09-21T00:12:43.145224192Z", "9999-12-31T23:59:59Z", "2026-11-26T18:00:00,5Z",
		"2026-11-26T18:00:00+24:00", "garbage", "", "1970-01-01T00:00:00Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		// Differential check against time.Parse, which Kubernetes uses and
		// which also takes some text that is not RFC 3339.
		ref, refErr := time.Parse(time.RFC3339, s)
		switch {
		case err == nil && refErr != nil:
			t.Fatalf("ParseTime(%q) = %d; time.Parse: %v", s, got, refErr)
		case err == nil && int64(got) != ref.UnixNano():
			t.Fatalf("ParseTime(%q) = %d, time.Parse %d", s, got, ref.UnixNano())
		case err != nil && refErr == nil && strictRFC3339.MatchString(s) && ref.Year() > 1677 && ref.Year() < 2262:
			t.Fatalf("ParseTime(%q): %v; time.Parse: %v", s, err, ref)
		case err != nil || got.IsZero() || got.UnixSec() == Time(math.MinInt64).UnixSec():
			return // unset, or in the first second of the range, which has no whole-second text
		}
		back, err := ParseTime(got.String())
		if err != nil || back != got.Truncate(time.Second) {
			t.Fatalf("ParseTime(%q): String %q re-parses to %d, %v", s, got.String(), back, err)
		}
		micro, err := ParseTime(MicroTime(got).String())
		if err != nil || micro != got.Truncate(time.Microsecond) {
			t.Fatalf("ParseTime(%q): MicroTime %q re-parses to %d, %v", s, MicroTime(got), micro, err)
		}
	})
}
