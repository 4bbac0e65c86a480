package api

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The regular expressions the matchers of validation_match.go replace,
// anchored as Kubernetes anchors them.
var matcherRegexps = []struct {
	name  string
	re    *regexp.Regexp
	match func(string) bool
}{
	{"dns1123Label", regexp.MustCompile("^" + dns1123LabelFmt + "$"), matchDNS1123Label},
	{"dns1123Subdomain", regexp.MustCompile("^" + dns1123SubdomainFmt + "$"), matchDNS1123Subdomain},
	{"dns1035Label", regexp.MustCompile("^" + dns1035LabelFmt + "$"), matchDNS1035Label},
	{"qualifiedName", regexp.MustCompile("^" + qualifiedNameFmt + "$"), matchQualifiedName},
	{"labelValue", regexp.MustCompile("^" + labelValueFmt + "$"), matchLabelValue},
	{"envVarName", regexp.MustCompile("^" + envVarNameFmt + "$"), matchEnvVarName},
	{"configMapKey", regexp.MustCompile("^" + configMapKeyFmt + "$"), matchConfigMapKey},
	{"percent", regexp.MustCompile("^" + percentFmt + "$"), matchPercent},
	{"httpHeaderName", regexp.MustCompile("^" + httpHeaderNameFmt + "$"), matchHTTPHeaderName},
	{"portNameCharset", regexp.MustCompile("^[-a-z0-9]+$"), matchPortNameCharset},
	{"portNameLetter", regexp.MustCompile("[a-z]"), containsLower},
}

// checkMatchers fails if a matcher and its regular expression disagree
// on s.
func checkMatchers(t *testing.T, s string) {
	t.Helper()
	for _, m := range matcherRegexps {
		if got, want := m.match(s), m.re.MatchString(s); got != want {
			t.Fatalf("%s(%q) = %v, the regular expression says %v", m.name, s, got, want)
		}
	}
}

// Every matcher accepts exactly what its regular expression accepts: on
// hand-picked edge cases and on many random strings over an alphabet of
// the characters the formats treat differently.
func TestMatchersAgreeWithRegexps(t *testing.T) {
	for _, s := range []string{
		"", "a", "A", "0", "-", ".", "_", "%", "/", "a-", "-a", "a.", ".a", "a..b", "a.b", "a-b.c-d",
		"0%", "%", "00%", "1%%", "a%", "Ab_c.d-9", "_a", "a_", "9a", "a\n", "\na", "é", "a\x00",
		"abc.", "abc.def.", "x.y.z", "A-Z", "my-name", "123-abc", "example.com", "Content-Type",
	} {
		checkMatchers(t, s)
	}
	const alphabet = "aZz09-._%/ \n\xffA"
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 0, 12)
	for range 200000 {
		buf = buf[:0]
		for n := rng.IntN(8); n > 0; n-- {
			buf = append(buf, alphabet[rng.IntN(len(alphabet))])
		}
		checkMatchers(t, string(buf))
	}
}

// FuzzMatchers: `go test -fuzz FuzzMatchers` searches for a string a
// matcher and its regular expression disagree on.
func FuzzMatchers(f *testing.F) {
	for _, s := range []string{"", "a", "a.b", "A_b-9", "10%", "-a", "a-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkMatchers(t, s) })
}
