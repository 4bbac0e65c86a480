package api

// Resource quantities ("100m", "128Mi", "1e3"), parsed and printed as
// Kubernetes' k8s.io/apimachinery/pkg/api/resource does.
//
// Representation: sign, magnitude as whole units (uint64) plus nanos
// (< 1e9), and the format to print in; plain values, so a Quantity copies by
// assignment and == holds exactly for equal values that print the same.
//
// Range: values whose Value() fits in an int64. Kubernetes keeps larger
// decimal values exactly and caps binary ones at 2^63-1; capstan rejects
// both ("9Ei", "12E", "1e19") with errQuantityRange. MilliValue saturates
// at math.MaxInt64 / math.MinInt64 beyond about ±9.2P.
//
// Other deviations, for inputs no real manifest has: a number without
// digits (".", "+", "Ki") is an error, where Kubernetes reads zero; String()
// is always canonical, where Kubernetes echoes some inputs ("+1", "01",
// "1.500") verbatim.

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// QuantityFormat says in which notation a Quantity prints. A quantity
// remembers the notation of the suffix it was parsed with.
type QuantityFormat string

const (
	DecimalExponent QuantityFormat = "DecimalExponent" // 12e6
	BinarySI        QuantityFormat = "BinarySI"        // 12Mi (12 * 2^20)
	DecimalSI       QuantityFormat = "DecimalSI"       // 12M (12 * 10^6)
)

// formatCode is QuantityFormat as stored; DecimalSI is the zero value so that
// Quantity{} equals a parsed "0".
type formatCode uint8

const (
	fmtDecimalSI formatCode = iota
	fmtBinarySI
	fmtDecimalExponent
)

// Quantity is a resource amount such as "100m", "128Mi" or "2", held exactly
// to the nano (10^-9); finer inputs are rounded up, away from zero.
type Quantity struct {
	whole uint64 // whole units of the magnitude
	nano  uint32 // billionths of the magnitude. Invariant: nano < 1e9.
	neg   bool   // Invariant: false when the value is zero.
	// format is the notation String uses, normalised by makeQuantity so
	// that it is DecimalSI whenever DecimalSI would print the same text.
	format formatCode
}

var (
	errQuantityFormat = errors.New("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
	errQuantitySuffix = errors.New("unable to parse quantity's suffix")
	errQuantityRange  = errors.New("quantity out of range: its value in units must fit in a signed 64-bit integer")
)

const (
	nanoPerUnit = 1_000_000_000
	// binFracDigits is how many fraction digits a binary-suffixed number
	// keeps exactly before the rest only says "something nonzero follows".
	// 69 = 9 nano digits + 60, the largest binary exponent (Ei): with it the
	// dropped tail can never carry across a nano boundary (see magnitude).
	binFracDigits = 69
)

var (
	decimalSuffixes = [...]string{"n", "u", "m", "", "k", "M", "G", "T", "P", "E"} // 10^-9 .. 10^18
	binarySuffixes  = [...]string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}          // 2^0 .. 2^60
)

// ParseQuantity parses s as Kubernetes does: an optionally signed decimal
// number ("1", "0.5", ".5", "1.") followed by a suffix: binary Ki Mi Gi Ti Pi
// Ei, decimal n u m "" k M G T P E, or an exponent e/E with a signed integer.
// Values finer than 1n round up (away from zero). Out-of-range values are
// rejected (see the top of this file). Long or hostile input takes time
// linear in its length.
func ParseQuantity(s string) (Quantity, error) {
	neg, intDigits, fracDigits, suffix, ok := scanQuantity(s)
	if !ok {
		return Quantity{}, errQuantityFormat
	}
	decExp, binExp, format, ok := interpretSuffix(suffix)
	if !ok {
		return Quantity{}, errQuantitySuffix
	}
	whole, nano, ok := magnitude(intDigits, fracDigits, decExp, binExp)
	if !ok {
		return Quantity{}, errQuantityRange
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // -2^63 fits
	}
	if whole > limit || (nano > 0 && whole == limit) {
		return Quantity{}, errQuantityRange
	}
	return makeQuantity(neg, whole, nano, format), nil
}

// MustParseQuantity parses s and panics on error; for tests and constants.
func MustParseQuantity(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(fmt.Sprintf("api: cannot parse quantity %q: %v", s, err))
	}
	return q
}

// NewQuantity returns value units, printed in format.
func NewQuantity(value int64, format QuantityFormat) Quantity { return newScaled(value, 1, format) }

// NewMilliQuantity returns milli thousandths of a unit, printed in format.
// As in Kubernetes, a BinarySI quantity that is not a whole number of at
// least 1024 prints as DecimalSI.
func NewMilliQuantity(milli int64, format QuantityFormat) Quantity {
	return newScaled(milli, 1000, format)
}

// newScaled returns v/per units; per divides 1e9.
func newScaled(v int64, per uint64, format QuantityFormat) Quantity {
	mag := uint64(v)
	if v < 0 {
		mag = -mag
	}
	return makeQuantity(v < 0, mag/per, uint32(mag%per*(nanoPerUnit/per)), codeOf(format))
}

// codeOf maps a QuantityFormat to its code; like Kubernetes, an unknown
// format prints as DecimalExponent.
func codeOf(f QuantityFormat) formatCode {
	switch f {
	case DecimalSI:
		return fmtDecimalSI
	case BinarySI:
		return fmtBinarySI
	}
	return fmtDecimalExponent
}

// makeQuantity builds a quantity, establishing the invariants on neg and
// format. The caller guarantees the range.
func makeQuantity(neg bool, whole uint64, nano uint32, f formatCode) Quantity {
	if whole == 0 && nano == 0 {
		return Quantity{}
	}
	switch f {
	case fmtBinarySI:
		// Kubernetes prints a binary quantity that is below 1024 or not a
		// whole number in DecimalSI; one with no factor of 1024 prints its
		// bare digits, which DecimalSI prints the same unless they end in 0.
		if nano != 0 || whole < 1024 || (whole%1024 != 0 && whole%10 != 0) {
			f = fmtDecimalSI
		}
	case fmtDecimalExponent:
		// Canonical exponent 0 prints bare digits, as DecimalSI does.
		if nano == 0 && whole%1000 != 0 {
			f = fmtDecimalSI
		}
	}
	return Quantity{whole: whole, nano: nano, neg: neg, format: f}
}

// scanQuantity splits s into sign, integer digits, fraction digits and
// suffix, checking the shape [+-]?digits[.digits][eEinumkKMGTP]*[-+]?[0-9]*.
func scanQuantity(s string) (neg bool, intDigits, fracDigits, suffix string, ok bool) {
	rest := s
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		neg, rest = rest[0] == '-', rest[1:]
	}
	intDigits, rest = spanDigits(rest)
	if rest != "" && rest[0] == '.' {
		fracDigits, rest = spanDigits(rest[1:])
	}
	suffix = rest
	rest = strings.TrimLeft(rest, "eEinumkKMGTP")
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		rest = rest[1:]
	}
	_, rest = spanDigits(rest)
	return neg, intDigits, fracDigits, suffix, rest == "" && len(intDigits)+len(fracDigits) > 0
}

// spanDigits splits s after its leading decimal digits.
func spanDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// interpretSuffix returns the power of ten or of two a suffix stands for.
// Exponents are limited to ±(2^31-1), as in Kubernetes.
func interpretSuffix(s string) (decExp int64, binExp uint, f formatCode, ok bool) {
	for i, suf := range decimalSuffixes {
		if s == suf {
			return int64(3*i - 9), 0, fmtDecimalSI, true
		}
	}
	for i, suf := range binarySuffixes[1:] {
		if s == suf {
			return 0, uint(10 * (i + 1)), fmtBinarySI, true
		}
	}
	if len(s) > 1 && (s[0] == 'e' || s[0] == 'E') {
		e, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil || e > math.MaxInt32 || e < -math.MaxInt32 {
			return 0, 0, 0, false
		}
		return e, 0, fmtDecimalExponent, true
	}
	return 0, 0, 0, false
}

// magnitude returns |intDigits.fracDigits × 10^decExp × 2^binExp| rounded up
// to the nano, as whole units and nanos; ok is false when it is certainly
// beyond 2^64 units. Work is linear in the input: only digits that can
// matter are converted.
func magnitude(intDigits, fracDigits string, decExp int64, binExp uint) (whole uint64, nano uint32, ok bool) {
	intDigits = strings.TrimLeft(intDigits, "0")
	fracDigits = strings.TrimRight(fracDigits, "0")
	point := int64(len(intDigits)) + decExp // the value is 0.ds × 10^point
	if intDigits == "" {
		trimmed := strings.TrimLeft(fracDigits, "0")
		point -= int64(len(fracDigits) - len(trimmed))
		fracDigits = trimmed
	} else if fracDigits == "" {
		intDigits = strings.TrimRight(intDigits, "0")
	}
	ds := intDigits + fracDigits // no leading or trailing zeros
	n := int64(len(ds))
	read := func(from, to int64) uint64 { // positions outside ds are zeros
		var v uint64
		for i := from; i < to; i++ {
			v *= 10
			if 0 <= i && i < n {
				v += uint64(ds[i] - '0')
			}
		}
		return v
	}
	switch {
	case n == 0:
		return 0, 0, true
	case point > 19: // at least 10^19 > 2^63
		return 0, 0, false
	case binExp == 0 && point < -9, point < -binFracDigits: // below 1n
		return 0, 1, true
	case binExp == 0:
		whole, nanos := read(0, point), read(point, point+9)
		if n > point+9 {
			nanos++ // a nonzero digit follows: round up
		}
		if nanos == nanoPerUnit {
			whole, nanos = whole+1, 0 // whole has at most 19 digits: no overflow
		}
		return whole, uint32(nanos), true
	case n <= point: // a whole number times 2^binExp
		hi, lo := bits.Mul64(read(0, point), 1<<binExp)
		return lo, 0, hi == 0
	}
	// Binary with a fraction: nanos = ceil(N·2^binExp·10^9 / 10^k), N the
	// digits down to 10^-k. Keeping k = binFracDigits digits is exact: the
	// dropped tail adds less than 2^binExp·10^9/10^k, and the quotient's
	// distance to the next integer is a multiple of that amount, so the
	// tail can only turn an exact quotient into "round up".
	//
	// N·2^binExp is worked out in decimal, a digit at a time (at most 88
	// digits times 1024, binExp/10 times): a rare path, which math/big
	// would serve with a tenth of the WebAssembly module's budget.
	k := min(n-point, binFracDigits)
	p := make([]byte, 0, point+k+19) // N·2^binExp, least significant digit first
	for i := point + k - 1; i >= 0; i-- {
		p = append(p, byte(read(i, i+1)))
	}
	for e := binExp; e > 0; e -= 10 { // binExp is 10, 20, ... 60
		var carry uint
		for j := range p {
			v := uint(p[j])<<10 + carry
			p[j], carry = byte(v%10), v/10
		}
		for ; carry > 0; carry /= 10 {
			p = append(p, byte(carry%10))
		}
	}
	digit := func(j int64) uint64 { // p's digit at 10^j, zero beyond it
		if j < int64(len(p)) {
			return uint64(p[j])
		}
		return 0
	}
	// The value is p / 10^k: whole units above digit k, nanos the nine
	// below, rounded up if anything nonzero follows them.
	for j := int64(len(p)) - 1; j >= k; j-- {
		hi, lo := bits.Mul64(whole, 10)
		sum, carry := bits.Add64(lo, digit(j), 0)
		if hi != 0 || carry != 0 {
			return 0, 0, false
		}
		whole = sum
	}
	var nanos uint64
	for j := k - 1; j >= k-9; j-- {
		nanos *= 10
		if j >= 0 {
			nanos += digit(j)
		}
	}
	up := n-point > binFracDigits
	for j := k - 10; j >= 0 && !up; j-- {
		up = digit(j) != 0
	}
	if up {
		nanos++
	}
	if nanos == nanoPerUnit {
		if whole == math.MaxUint64 {
			return 0, 0, false
		}
		whole, nanos = whole+1, 0
	}
	return whole, uint32(nanos), true
}

// MilliValue returns the value in thousandths, rounded up away from zero
// (Kubernetes' ceil on the magnitude: "1.5m" is 2, "-1.5m" is -2). It
// saturates at math.MaxInt64 / math.MinInt64 when the result does not fit.
func (q Quantity) MilliValue() int64 {
	hi, lo := bits.Mul64(q.whole, 1000)
	m, c := bits.Add64(lo, uint64((q.nano+999_999)/1_000_000), 0)
	return q.signed(m, hi != 0 || c != 0)
}

// Value returns the value in units, rounded up away from zero. It always
// fits: ParseQuantity rejects the values for which it would not.
func (q Quantity) Value() int64 { return q.signed(q.whole+uint64(min(q.nano, 1)), false) }

// signed applies q's sign to a magnitude, saturating on overflow.
func (q Quantity) signed(mag uint64, overflow bool) int64 {
	if q.neg {
		if overflow || mag > 1<<63 {
			return math.MinInt64
		}
		return int64(-mag)
	}
	if overflow || mag > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(mag)
}

// IsZero reports whether the quantity is zero.
func (q Quantity) IsZero() bool { return q.whole == 0 && q.nano == 0 }

// Sign returns -1, 0 or 1 as the quantity is negative, zero or positive.
func (q Quantity) Sign() int {
	switch {
	case q.IsZero():
		return 0
	case q.neg:
		return -1
	}
	return 1
}

// Cmp returns -1, 0 or 1 as q is less than, equal to or greater than o,
// whatever their formats.
func (q Quantity) Cmp(o Quantity) int {
	qs, other := q.Sign(), o.Sign()
	if qs != other {
		return cmp.Compare(qs, other)
	}
	c := cmp.Compare(q.whole, o.whole)
	if c == 0 {
		c = cmp.Compare(q.nano, o.nano)
	}
	return qs * c
}

// String returns the canonical text, as Kubernetes prints it: no fraction
// digits, the largest suffix of the quantity's format that keeps the value
// exact ("0.5" is "500m", "1024Mi" is "1Gi", "1.5Gi" is "1536Mi", "1e3"
// stays "1e3", "1000" is "1k"), and a binary quantity that is below 1024
// or not a whole number in DecimalSI ("0.5Ki" is "512").
func (q Quantity) String() string {
	var buf [40]byte
	return string(q.appendText(buf[:0]))
}

func (q Quantity) appendText(b []byte) []byte {
	if q.IsZero() {
		return append(b, '0')
	}
	if q.neg {
		b = append(b, '-')
	}
	if q.format == fmtBinarySI { // a whole number ≥ 1024 (makeQuantity)
		v, k := q.whole, 0
		for k < len(binarySuffixes)-1 && v%1024 == 0 {
			v, k = v/1024, k+1
		}
		return append(strconv.AppendUint(b, v, 10), binarySuffixes[k]...)
	}
	// The digits of whole·10^9 + nano, then exponent -9 adjusted.
	if q.whole > 0 {
		b = strconv.AppendUint(b, q.whole, 10)
		n := len(b)
		b = strconv.AppendUint(append(b, "000000000"...), uint64(q.nano), 10)
		b = append(b[:n], b[len(b)-9:]...) // the nanos, zero-padded to 9
	} else {
		b = strconv.AppendUint(b, uint64(q.nano), 10)
	}
	exp := -9
	for b[len(b)-1] == '0' {
		b, exp = b[:len(b)-1], exp+1
	}
	for exp%3 != 0 { // down to a multiple of 3: 15e-1 is 1500e-3
		b, exp = append(b, '0'), exp-1
	}
	if q.format == fmtDecimalExponent {
		if exp != 0 {
			b = strconv.AppendInt(append(b, 'e'), int64(exp), 10)
		}
		return b
	}
	return append(b, decimalSuffixes[(exp+9)/3]...) // exp in [-9, 18]
}

// MarshalJSON writes the canonical text as a JSON string.
func (q Quantity) MarshalJSON() ([]byte, error) {
	return append(q.appendText(append(make([]byte, 0, 32), '"')), '"'), nil
}

// UnmarshalJSON accepts a JSON string or, as Kubernetes does (`cpu: 2` in
// YAML), a JSON number. Like Kubernetes it trims spaces inside the string
// and reads null as zero.
func (q *Quantity) UnmarshalJSON(data []byte) error {
	s := string(data)
	if s == "null" {
		*q = Quantity{}
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	parsed, err := ParseQuantity(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("quantity %q: %w", clip(s), err)
	}
	*q = parsed
	return nil
}
