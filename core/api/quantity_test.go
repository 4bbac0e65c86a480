package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Most cases come from the documented behaviour of Kubernetes'
// k8s.io/apimachinery/pkg/api/resource (its quantity_test.go tables).
var quantityCanonical = []struct{ in, want string }{
	// zeros
	{"0", "0"}, {"0n", "0"}, {"0u", "0"}, {"0m", "0"}, {"0Ki", "0"}, {"0k", "0"}, {"0Mi", "0"}, {"0M", "0"},
	{"0Gi", "0"}, {"0G", "0"}, {"0Ti", "0"}, {"0T", "0"}, {"00", "0"}, {"0.000", "0"}, {"0e5", "0"},
	{".0", "0"}, {"0.", "0"},
	// plain and binary
	{"1", "1"}, {"1Ki", "1Ki"}, {"8Ki", "8Ki"}, {"7Mi", "7Mi"}, {"6Gi", "6Gi"}, {"5Ti", "5Ti"}, {"4Pi", "4Pi"},
	{"3Ei", "3Ei"}, {"10Ti", "10Ti"}, {"100Ti", "100Ti"}, {"128Mi", "128Mi"}, {"2Gi", "2Gi"}, {"1024Mi", "1Gi"},
	{"1536Mi", "1536Mi"}, {"1024Ki", "1Mi"}, {"300Mi", "300Mi"}, {"307200Ki", "300Mi"}, {"1025024Mi", "1001Gi"},
	{"1025Ki", "1025Ki"}, {"2048", "2048"}, {"1024", "1024"},
	// decimal SI
	{"5n", "5n"}, {"4u", "4u"}, {"3m", "3m"}, {"9", "9"}, {"8k", "8k"}, {"50k", "50k"}, {"7M", "7M"},
	{"6G", "6G"}, {"5T", "5T"}, {"40T", "40T"}, {"300T", "300T"}, {"2P", "2P"}, {"1E", "1E"}, {"1G", "1G"},
	{"1000M", "1G"}, {"0.001T", "1G"}, {"1000000000", "1G"}, {"1000u", "1m"}, {"1000", "1k"}, {"100m", "100m"},
	{"1000m", "1"}, {"1080m", "1080m"}, {"1.08", "1080m"}, {"1080000000n", "1080m"}, {"1234567M", "1234567M"},
	{"080", "80"}, {"01", "1"},
	// exponents
	{"1E-3", "1e-3"}, {"1e3", "1e3"}, {"1E6", "1e6"}, {"1e9", "1e9"}, {"1E12", "1e12"}, {"1e15", "1e15"},
	{"1E18", "1e18"}, {"1e14", "100e12"}, {"1e13", "10e12"}, {".001e12", "1e9"}, {"0.001e0", "1e-3"},
	{"1000e-12", "1e-9"}, {"80e-3", "80e-3"}, {"300e6", "300e6"}, {"3e3", "3e3"}, {"1e0", "1"}, {"1e+3", "1e3"},
	{"1e-0", "1"}, {"1.2e3", "1200"}, {"1.3E+6", "1300e3"}, {"1.40e9", "1400e6"}, {"1.53E12", "1530e9"},
	{"1.6e15", "1600e12"}, {"1.7E18", "1700e15"}, {"0.5e0", "500e-3"}, {"0.5e-1", "50e-3"}, {"0.5e-2", "5e-3"},
	{"1e-9", "1e-9"}, {"15e-1", "1500e-3"},
	// fractions
	{"100.035k", "100035"}, {"0.001", "1m"}, {"0.0005k", "500m"}, {"0.005", "5m"}, {"0.05", "50m"},
	{"0.5", "500m"}, {"0.00050k", "500m"}, {"0.00500", "5m"}, {"0.05000", "50m"}, {"0.50000", "500m"},
	{"10.035M", "10035k"}, {"9.01", "9010m"}, {"8.1k", "8100"}, {"7.123456M", "7123456"},
	{"6.987654321G", "6987654321"}, {"5.444T", "5444G"}, {"40.1T", "40100G"}, {"300.2T", "300200G"},
	{"2.5P", "2500T"}, {"1.01E", "1010P"}, {"1.5", "1500m"}, {"1.", "1"}, {"1.G", "1G"}, {".001", "1m"},
	{".0001k", "100m"},
	// rounding up to the nano
	{"3.001n", "4n"}, {"1.1E-9", "2e-9"}, {"0.0000000001", "1n"}, {"0.0000000005", "1n"},
	{"0.00000000050", "1n"}, {"0.5e-9", "1e-9"}, {"0.9n", "1n"}, {"0.00000012345", "124n"},
	{"0.00000012354", "124n"}, {"1e-999999", "1e-9"}, {"0.1n", "1n"},
	// binary fractions
	{"100.035Ki", "102435840m"}, {"0.5Mi", "512Ki"}, {"0.05Gi", "53687091200m"}, {"0.025Ti", "27487790694400m"},
	{"0.000000000001Ki", "2n"}, {".001Ki", "1024m"}, {".000001Ki", "1024u"}, {".000000001Ki", "1024n"},
	{".000000000001Ki", "2n"}, {"1.5Gi", "1536Mi"}, {"0.1Gi", "107374182400m"}, {"0.5Ki", "512"},
	{"1.5Ki", "1536"}, {"1.953125Ki", "2000"}, {"0.5Gi", "512Mi"},
	// the edges of the range
	{"9223372036854775807", "9223372036854775807"}, {"-9223372036854775808", "-9223372036854775808"},
	{"7Ei", "7Ei"}, {"8191Pi", "8191Pi"}, {"9.223372036854775807E", "9223372036854775807"},
	{"9223372036854775.807", "9223372036854775807m"}, {"9E", "9E"}, {"9e18", "9e18"},
	{"9223372036854775806.5", "9223372036854775806500m"},
}

func TestParseQuantityCanonical(t *testing.T) {
	for _, c := range quantityCanonical {
		for _, sign := range []string{"", "+", "-"} {
			in, want := sign+c.in, c.want
			if sign == "-" && want != "0" && !strings.HasPrefix(want, "-") {
				want = "-" + want
			}
			if sign != "" && strings.HasPrefix(c.in, "-") {
				continue
			}
			q, err := ParseQuantity(in)
			if err != nil {
				t.Errorf("ParseQuantity(%q): %v", in, err)
				continue
			}
			if got := q.String(); got != want {
				t.Errorf("ParseQuantity(%q).String() = %q, want %q", in, got, want)
			}
			back, err := ParseQuantity(q.String())
			if err != nil || back.Cmp(q) != 0 {
				t.Errorf("%q: String %q re-parses to %v, %v", in, q.String(), back, err)
			}
		}
	}
}

func TestQuantityValues(t *testing.T) {
	for _, c := range []struct {
		in           string
		milli, value int64
	}{
		// saturating MilliValue: 9223372036854775.808, 9Pi, 9223372036854775806.5
		{"100m", 100, 1}, {"1.5m", 2, 1}, {"0.1", 100, 1}, {"1Ki", 1024000, 1024},
		{"1.5Gi", 1610612736000, 1610612736}, {"1e3", 1000000, 1000}, {"0.5", 500, 1},
		{"128Mi", 134217728000, 134217728}, {"1G", 1e12, 1e9}, {"2Gi", 2147483648000, 2147483648},
		{"0", 0, 0}, {"1n", 1, 1}, {"999m", 999, 1}, {"1001m", 1001, 2}, {"2", 2000, 2}, {"-1", -1000, -1},
		{"-1.5m", -2, -1}, {"-100m", -100, -1}, {"-1.5", -1500, -2}, {"0.0001m", 1, 1}, {"1e-3", 1, 1},
		{"0.1Gi", 107374182400, 107374183}, {"9223372036854775.807", math.MaxInt64, 9223372036854776},
		{"9223372036854775.808", math.MaxInt64, 9223372036854776},
		{"8Pi", 9007199254740992000, 9007199254740992}, {"9Pi", math.MaxInt64, 10133099161583616},
		{"-9Pi", math.MinInt64, -10133099161583616}, {"9223372036854775807", math.MaxInt64, math.MaxInt64},
		{"-9223372036854775808", math.MinInt64, math.MinInt64},
		{"-9223372036854775.808", math.MinInt64, -9223372036854776},
		{"-9223372036854775.807", -9223372036854775807, -9223372036854776},
		{"9223372036854775806.5", math.MaxInt64, math.MaxInt64},
	} {
		q, err := ParseQuantity(c.in)
		if err != nil {
			t.Errorf("ParseQuantity(%q): %v", c.in, err)
			continue
		}
		if got := q.MilliValue(); got != c.milli {
			t.Errorf("%q.MilliValue() = %d, want %d", c.in, got, c.milli)
		}
		if got := q.Value(); got != c.value {
			t.Errorf("%q.Value() = %d, want %d", c.in, got, c.value)
		}
	}
}

func TestParseQuantityErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"", errQuantityFormat}, {"1.1.M", errQuantityFormat}, {"1+1.0M", errQuantityFormat},
		{"0.1mi", errQuantitySuffix}, {"0.1am", errQuantityFormat}, {"aoeu", errQuantityFormat},
		{".5i", errQuantitySuffix}, {"1i", errQuantitySuffix}, {"-3.01i", errQuantitySuffix},
		{"-3.01e-", errQuantitySuffix}, {" 1", errQuantityFormat}, {"1 ", errQuantityFormat},
		{"1K", errQuantitySuffix}, {"1ki", errQuantitySuffix}, {"1KiB", errQuantityFormat},
		{"1e", errQuantitySuffix}, {"1E+", errQuantitySuffix}, {"1e1.5", errQuantityFormat},
		{"1Ki3", errQuantitySuffix}, {"1ee3", errQuantitySuffix}, {"1e+-3", errQuantityFormat},
		{"1e4294967297", errQuantitySuffix}, {"1e2147483648", errQuantitySuffix},
		{"1e99999999999999999999", errQuantitySuffix}, {"--1", errQuantityFormat},
		{"1,5", errQuantityFormat}, {"½", errQuantityFormat}, {"1Gi\x00", errQuantityFormat},
		{"0x10", errQuantityFormat}, {"Inf", errQuantityFormat}, {"NaN", errQuantityFormat},
		// capstan rejects what Kubernetes reads as zero
		{".", errQuantityFormat}, {"+", errQuantityFormat}, {"-", errQuantityFormat},
		{"-.", errQuantityFormat}, {"Ki", errQuantityFormat}, {"m", errQuantityFormat},
		// out of range (Kubernetes keeps or caps these)
		{"9Ei", errQuantityRange}, {"8Ei", errQuantityRange}, {"10Ei", errQuantityRange},
		{"12E", errQuantityRange}, {"1e19", errQuantityRange}, {"9223372036854775807Ki", errQuantityRange},
		{"9223372036854775808", errQuantityRange}, {"-9223372036854775809", errQuantityRange},
		{"9223372036854775807.1", errQuantityRange}, {"-9223372036854775808.000000000001", errQuantityRange},
		{"1e999999999", errQuantityRange}, {"1e2147483647", errQuantityRange},
		{"8192Pi", errQuantityRange}, {"100000000000000000000k", errQuantityRange},
	} {
		q, err := ParseQuantity(c.in)
		if !errors.Is(err, c.want) {
			t.Errorf("ParseQuantity(%q) = %v, %v; want error %v", c.in, q, err, c.want)
		}
	}
}

func TestParseQuantityHostileInput(t *testing.T) {
	long := strings.Repeat("9", 10000)
	zeros := strings.Repeat("0", 10000)
	for _, c := range []struct{ in, want string }{
		{long, ""}, {"0." + long, "1"}, {"0." + long + "Ei", "1Ei"}, {zeros + "1", "1"},
		{"0." + zeros + "1", "1n"}, {"0." + zeros + "1Ki", "1n"}, {"0." + zeros + "1e10000", "100e-3"},
		{"1." + zeros + "1Ki", "1024000000001n"}, {"1." + zeros + "1", "1000000001n"},
		{"1e999999999", ""}, {"1e-2147483647", "1e-9"}, {"1" + zeros + "e-10000", "1"},
		{"1" + zeros + "e-10009", "1e-9"}, {"1." + long + "e-9", "2e-9"},
		{"0.0000000000000000000000000000000000000000000000000000000000000000001Ei", "1n"},
		{strings.Repeat("1", 1<<20) + "e-1048566", "1111111111111111112e-9"},
	} {
		start := time.Now()
		q, err := ParseQuantity(c.in)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("ParseQuantity(%.20q...) took %v", c.in, d)
		}
		if (err == nil) != (c.want != "") || err == nil && q.String() != c.want {
			t.Errorf("ParseQuantity(%.20q...) = %v, %v; want %q (\"\": an error)", c.in, q, err, c.want)
		}
	}
}

func TestNewQuantity(t *testing.T) {
	for _, c := range []struct {
		q    Quantity
		want string
	}{
		{NewQuantity(1024*1024*1024, BinarySI), "1Gi"}, {NewQuantity(300*1024*1024, BinarySI), "300Mi"},
		{NewQuantity(6*1024, BinarySI), "6Ki"}, {NewQuantity(1001*1024*1024*1024, BinarySI), "1001Gi"},
		{NewQuantity(1024*1024*1024*1024, BinarySI), "1Ti"}, {NewQuantity(5, BinarySI), "5"},
		{NewMilliQuantity(500, BinarySI), "500m"}, {NewMilliQuantity(1500, BinarySI), "1500m"},
		{NewQuantity(1e9, DecimalSI), "1G"}, {NewMilliQuantity(1, DecimalSI), "1m"},
		{NewMilliQuantity(1080, DecimalSI), "1080m"}, {NewMilliQuantity(2000, DecimalSI), "2"},
		{NewQuantity(1234567, DecimalSI), "1234567"}, {NewQuantity(3000, DecimalSI), "3k"},
		{NewQuantity(1025, BinarySI), "1025"}, {NewQuantity(2000, BinarySI), "2000"},
		{NewQuantity(-2000, BinarySI), "-2000"}, {NewQuantity(0, BinarySI), "0"},
		{NewQuantity(1e9, DecimalExponent), "1e9"}, {NewMilliQuantity(1, DecimalExponent), "1e-3"},
		{NewMilliQuantity(80, DecimalExponent), "80e-3"}, {NewQuantity(300e6, DecimalExponent), "300e6"},
		{NewQuantity(3000, DecimalExponent), "3e3"}, {NewQuantity(3000, "bogus"), "3e3"},
		{NewQuantity(math.MaxInt64, BinarySI), "9223372036854775807"},
		{NewQuantity(math.MinInt64, BinarySI), "-8Ei"},
		{NewQuantity(math.MinInt64, DecimalSI), "-9223372036854775808"},
		{NewMilliQuantity(math.MinInt64, DecimalSI), "-9223372036854775808m"},
		{NewMilliQuantity(math.MaxInt64, DecimalSI), "9223372036854775807m"},
	} {
		if got := c.q.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.q, got, c.want)
		}
	}
	if q := NewMilliQuantity(math.MinInt64, DecimalSI); q.MilliValue() != math.MinInt64 {
		t.Errorf("MilliValue of NewMilliQuantity(MinInt64) = %d", q.MilliValue())
	}
	if q := NewQuantity(math.MinInt64, DecimalSI); q.Value() != math.MinInt64 || q.MilliValue() != math.MinInt64 {
		t.Errorf("NewQuantity(MinInt64): Value %d, MilliValue %d", q.Value(), q.MilliValue())
	}
	if NewQuantity(0, BinarySI) != (Quantity{}) || MustParseQuantity("-0Ki") != (Quantity{}) {
		t.Errorf("zero quantities are not all equal to Quantity{}")
	}
	if MustParseQuantity("1e0") != MustParseQuantity("1") || MustParseQuantity("1.0") != MustParseQuantity("1") {
		t.Errorf("same value, same text, but not ==")
	}
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseQuantity did not panic")
		}
	}()
	MustParseQuantity("Non-Numeric")
}

func TestQuantityCmpSign(t *testing.T) {
	for _, c := range []struct {
		x, y string
		want int
	}{
		{"0", "0", 0}, {"100m", "50m", 1}, {"50m", "100m", -1}, {"10000T", "100Gi", 1},
		{"1", "1000m", 0}, {"1Ki", "1024", 0}, {"1e3", "1k", 0}, {"-1", "1", -1},
		{"-1", "-2", 1}, {"-0", "0", 0}, {"1n", "0", 1}, {"-1n", "0", -1},
		{"1.000000001", "1", 1}, {"-1.000000001", "-1", -1}, {"7Ei", "8063999999999999999", 1},
		{"-5Gi", "5Gi", -1}, {"5Gi", "-5Gi", 1},
	} {
		x, y := MustParseQuantity(c.x), MustParseQuantity(c.y)
		if got := x.Cmp(y); got != c.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", c.x, c.y, got, c.want)
		}
		if got := y.Cmp(x); got != -c.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", c.y, c.x, got, -c.want)
		}
		if x.Sign() != x.Cmp(Quantity{}) || x.IsZero() != (x.Sign() == 0) {
			t.Errorf("%s: Sign %d, IsZero %t", c.x, x.Sign(), x.IsZero())
		}
	}
	if !(Quantity{}).IsZero() || (Quantity{}).String() != "0" {
		t.Errorf("Quantity{} is not a zero that prints 0")
	}
}

func TestQuantityJSON(t *testing.T) {
	type resources struct {
		Requests map[string]Quantity `json:"requests,omitempty"`
		Limit    Quantity            `json:"limit,omitzero"`
		Ptr      *Quantity           `json:"ptr,omitempty"`
	}
	in := `{"requests":{"cpu":2,"memory":"128Mi","half":0.5,"big":1e3,"neg":-1,"n":null,"sp":" 1Gi "},"limit":"1.5Gi","ptr":"100m"}`
	var r resources
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const wantOut = `{"requests":{"big":"1e3","cpu":"2","half":"500m","memory":"128Mi","n":"0","neg":"-1","sp":"1Gi"},"limit":"1536Mi","ptr":"100m"}`
	if string(out) != wantOut {
		t.Errorf("Marshal = %s\nwant      %s", out, wantOut)
	}
	var again resources
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, r) {
		t.Errorf("round trip: %v, want %v", again, r)
	}
	if out, _ := json.Marshal(resources{}); string(out) != `{}` {
		t.Errorf("zero Limit not omitted: %s", out)
	}
	q := MustParseQuantity("5")
	if err := json.Unmarshal([]byte(`null`), &q); err != nil || !q.IsZero() {
		t.Errorf("null: %v, %v", q, err)
	}
	for _, bad := range []string{`"abc"`, `true`, `{}`, `[]`, `"1Gi`, `"`, `"1e99"`, `"\u0031"`, `""`} {
		if err := json.Unmarshal([]byte(`{"limit":`+bad+`}`), &r); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	if err := json.Unmarshal([]byte(`{"limit":"x"}`), &r); err == nil ||
		!strings.Contains(err.Error(), "quantities must match the regular expression") {
		t.Errorf("error text: %v", err)
	}
}

var refQuantityRE = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$`)

// refQuantity is an obviously correct reference: exact rational arithmetic,
// then Kubernetes' canonical form found by search. It returns the text and
// the magnitude in nanos, or ok=false when the value is out of range.
func refQuantity(t *testing.T, s string) (text string, nanos *big.Int, neg, ok bool) {
	m := refQuantityRE.FindStringSubmatch(s)
	num, suffix, format := "0"+m[2]+"."+m[3]+"0", m[4], "DecimalSI"
	switch {
	case strings.HasSuffix(suffix, "i"):
		num, format = num+fmt.Sprintf("p%d", 10*(1+strings.Index("KMGTPE", suffix[:1]))), "BinarySI"
	case len(suffix) > 1 && (suffix[0] == 'e' || suffix[0] == 'E'):
		num, format = num+"e"+suffix[1:], "DecimalExponent"
	default:
		num += fmt.Sprintf("e%d", map[string]int{"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}[suffix])
	}
	v, okNum := new(big.Rat).SetString(num)
	if !okNum {
		t.Fatalf("reference cannot read %q as %q", s, num)
	}
	v.Mul(v, big.NewRat(1e9, 1)) // in nanos
	nanos = new(big.Int).Quo(v.Num(), v.Denom())
	if !v.IsInt() {
		nanos.Add(nanos, big.NewInt(1)) // round up
	}
	neg = m[1] == "-" && nanos.Sign() != 0
	units := new(big.Int).Quo(new(big.Int).Add(nanos, big.NewInt(999999999)), big.NewInt(1e9))
	if limit := big.NewInt(math.MaxInt64); units.Cmp(limit) > 0 && !(neg && units.Cmp(limit.Add(limit, big.NewInt(1))) == 0) {
		return "", nil, false, false
	}
	if nanos.Sign() == 0 {
		return "0", nanos, false, true
	}
	sign := map[bool]string{true: "-", false: ""}[neg]
	val := new(big.Rat).SetFrac(nanos, big.NewInt(1e9))
	if format == "BinarySI" && val.IsInt() && val.Num().Cmp(big.NewInt(1024)) >= 0 {
		i, k := new(big.Int).Set(val.Num()), 0
		for ; k < 6 && new(big.Int).Mod(i, big.NewInt(1024)).Sign() == 0; k++ {
			i.Quo(i, big.NewInt(1024))
		}
		return sign + i.String() + []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}[k], nanos, neg, true
	}
	for e := 18; e >= -9; e -= 3 { // the largest exponent that keeps the mantissa whole
		scale, _ := new(big.Rat).SetString(fmt.Sprintf("1e%d", -e))
		mant := new(big.Rat).Mul(val, scale)
		if !mant.IsInt() {
			continue
		}
		suf := []string{"n", "u", "m", "", "k", "M", "G", "T", "P", "E"}[(e+9)/3]
		if format == "DecimalExponent" {
			suf = map[bool]string{true: "", false: fmt.Sprintf("e%d", e)}[e == 0]
		}
		return sign + mant.Num().String() + suf, nanos, neg, true
	}
	t.Fatalf("reference found no exponent for %q", s)
	return
}

func randomQuantityText(r *rand.Rand) string {
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
			if r.IntN(3) == 0 {
				b[i] = '0'
			}
		}
		return string(b)
	}
	s := []string{"", "+", "-"}[r.IntN(3)] + digits(r.IntN(22))
	if r.IntN(2) == 0 {
		s += "." + digits(r.IntN(30))
	}
	if strings.Trim(s, "+-.") == "" {
		s += "1"
	}
	suffixes := []string{"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
	if r.IntN(4) == 0 {
		return s + fmt.Sprintf("%s%+d", []string{"e", "E"}[r.IntN(2)], r.IntN(61)-30)
	}
	return s + suffixes[r.IntN(len(suffixes))]
}

func TestQuantityAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 50000 {
		s := randomQuantityText(r)
		if r.IntN(8) == 0 { // values near the edges of the range
			s = []string{"", "-"}[r.IntN(2)] + "922337203685477" + fmt.Sprint(r.IntN(10000)) + "." + fmt.Sprint(r.IntN(1000)) + []string{"", "e0", "e3", "m", "k"}[r.IntN(5)]
		}
		wantText, wantNanos, wantNeg, ok := refQuantity(t, s)
		q, err := ParseQuantity(s)
		if !ok {
			if !errors.Is(err, errQuantityRange) {
				t.Fatalf("ParseQuantity(%q) = %v, %v; want a range error", s, q, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseQuantity(%q): %v", s, err)
		}
		if gotNanos := nanosOf(q); gotNanos.Cmp(wantNanos) != 0 || q.neg != wantNeg || q.String() != wantText {
			t.Fatalf("ParseQuantity(%q) = %s (%v nanos, neg %t); want %s (%v nanos, neg %t)", s, q, nanosOf(q), q.neg, wantText, wantNanos, wantNeg)
		}
		checkQuantityInvariants(t, s, q)
	}
}

// checkQuantityInvariants checks the round trip through String and JSON, and
// the derived values against big arithmetic.
func checkQuantityInvariants(t *testing.T, in string, q Quantity) {
	t.Helper()
	back, err := ParseQuantity(q.String())
	if err != nil || back.Cmp(q) != 0 {
		t.Fatalf("%q: String %q re-parses to %v, %v", in, q.String(), back, err)
	}
	// == survives the round trip, except for a binary quantity printed as
	// bare digits that end in 0 ("2000"), which re-parses as DecimalSI.
	if back != q && !(q.format == fmtBinarySI && q.whole%1024 != 0) {
		t.Fatalf("%q: String %q re-parses to %#v, want %#v", in, q.String(), back, q)
	}
	if back.String() != MustParseQuantity(back.String()).String() {
		t.Fatalf("%q: String is not stable: %q", in, back.String())
	}
	js, _ := json.Marshal(q)
	var fromJSON Quantity
	if err := json.Unmarshal(js, &fromJSON); err != nil || fromJSON != back {
		t.Fatalf("%q: JSON %s reads back as %v, %v", in, js, fromJSON, err)
	}
	mag := nanosOf(q)
	for _, c := range []struct {
		got int64
		per int64
	}{{q.MilliValue(), 1e6}, {q.Value(), 1e9}} {
		want := new(big.Int).Quo(new(big.Int).Add(mag, big.NewInt(c.per-1)), big.NewInt(c.per))
		if q.neg {
			want.Neg(want)
		}
		if !want.IsInt64() {
			want.SetInt64(map[bool]int64{true: math.MinInt64, false: math.MaxInt64}[q.neg])
		}
		if c.got != want.Int64() {
			t.Fatalf("%q: value in 1/%d nanos = %d, want %v", in, c.per, c.got, want)
		}
	}
}

// nanosOf returns q's magnitude in nanos.
func nanosOf(q Quantity) *big.Int {
	return new(big.Int).Add(new(big.Int).Mul(new(big.Int).SetUint64(q.whole), big.NewInt(1e9)), big.NewInt(int64(q.nano)))
}

func FuzzParseQuantity(f *testing.F) {
	for _, c := range quantityCanonical {
		f.Add(c.in)
	}
	for _, s := range []string{"", ".", "-", "1e999999999", "9Ei", "1.5Gi", "-1.5m", "0.000000000001Ki", "1e-2147483647", "1E+3", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			if q != (Quantity{}) {
				t.Fatalf("ParseQuantity(%q) failed with a non-zero value %#v", s, q)
			}
			return
		}
		checkQuantityInvariants(t, s, q)
		if len(s) < 200 && (!strings.ContainsAny(s, "eE") || strings.ContainsAny(s, "i")) {
			if want, _, _, _ := refQuantity(t, s); q.String() != want {
				t.Fatalf("ParseQuantity(%q) = %s, reference %s", s, q, want)
			}
		}
	})
}

// TestMagnitudeBinaryFraction checks the decimal arithmetic of magnitude's
// binary-with-fraction path against exact rationals, with fractions longer
// than the digits it keeps (binFracDigits) and whole parts near 2^64.
func TestMagnitudeBinaryFraction(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		digits := func(n int) string {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('0' + r.IntN(10))
				if r.IntN(4) == 0 {
					b[i] = "09"[r.IntN(2)]
				}
			}
			return string(b)
		}
		intDigits, fracDigits := digits(r.IntN(21)), digits(1+r.IntN(100))
		if i%7 == 0 { // a long run of zeros, then one digit past what is kept
			fracDigits = strings.Repeat("0", binFracDigits-1+r.IntN(3)) + "1"
		}
		binExp := uint(10 * (1 + r.IntN(6)))
		exact, ok := new(big.Rat).SetString("0" + intDigits + "." + fracDigits)
		if !ok {
			t.Fatalf("rat %q", intDigits+"."+fracDigits)
		}
		exact.Mul(exact, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1e9), binExp)))
		want := new(big.Int).Quo(exact.Num(), exact.Denom()) // nanos, rounded up
		if new(big.Int).Mul(want, exact.Denom()).Cmp(exact.Num()) != 0 {
			want.Add(want, big.NewInt(1))
		}
		whole, nano, ok := magnitude(intDigits, fracDigits, 0, binExp)
		units, nanos := new(big.Int).QuoRem(want, big.NewInt(1e9), new(big.Int))
		if !units.IsUint64() {
			if ok {
				t.Fatalf("%s.%sx2^%d = %d.%09d; want out of range", intDigits, fracDigits, binExp, whole, nano)
			}
			continue
		}
		if !ok || whole != units.Uint64() || uint64(nano) != nanos.Uint64() {
			t.Fatalf("%s.%sx2^%d = %d.%09d (%t); want %v.%09d", intDigits, fracDigits, binExp, whole, nano, ok, units, nanos.Uint64())
		}
	}
}
