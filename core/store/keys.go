package store

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// CheckKey returns a BadRequest error unless key names one object: it is
// under api.KeyPrefix, and does not end in "/".
func CheckKey(key string) error {
	if !strings.HasPrefix(key, api.KeyPrefix) || len(key) == len(api.KeyPrefix) || strings.HasSuffix(key, "/") {
		return newError(BadRequest, key, "not an object key (want %s<resource>/[<namespace>/]<name>)", api.KeyPrefix)
	}
	return nil
}

// CheckPrefix returns a BadRequest error unless prefix is a list or watch
// prefix: under api.KeyPrefix and ending in "/". The trailing slash is what
// keeps namespace "a" from matching namespace "ab".
func CheckPrefix(prefix string) error {
	if !strings.HasPrefix(prefix, api.KeyPrefix) || !strings.HasSuffix(prefix, "/") {
		return newError(BadRequest, prefix, "not a key prefix (want %s..., ending in /)", api.KeyPrefix)
	}
	return nil
}

// ParseResourceVersion parses a resourceVersion precondition. Malformed
// values are a BadRequest, not a Conflict: no revision could satisfy them.
func ParseResourceVersion(key, rv string) (int64, error) {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, newError(BadRequest, key, "malformed resourceVersion %q", rv)
	}
	return n, nil
}

// FormatRevision returns a revision as a resourceVersion.
func FormatRevision(rev int64) string { return strconv.FormatInt(rev, 10) }

// continueToken is the JSON inside a continue token. Start is the first
// key of the next page, relative to the list prefix, so a token cannot be
// used to read outside the prefix it was issued for.
type continueToken struct {
	V     int    `json:"v"`
	Rev   int64  `json:"rev"`
	Start string `json:"start"`
}

const continueVersion = 1

// EncodeContinue returns the opaque continue token for a paged list under
// prefix, consistent at rev, whose next page starts at key start
// (inclusive). Implementations share it so tokens look alike.
func EncodeContinue(prefix string, rev int64, start string) string {
	b, _ := json.Marshal(continueToken{V: continueVersion, Rev: rev, Start: strings.TrimPrefix(start, prefix)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeContinue parses a token made by EncodeContinue for the same
// prefix. Anything else is a BadRequest.
func DecodeContinue(prefix, token string) (rev int64, start string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", newError(BadRequest, prefix, "malformed continue token: %v", err)
	}
	var t continueToken
	if err := json.Unmarshal(b, &t); err != nil {
		return 0, "", newError(BadRequest, prefix, "malformed continue token: %v", err)
	}
	if t.V != continueVersion || t.Rev <= 0 || t.Start == "" {
		return 0, "", newError(BadRequest, prefix, "malformed continue token")
	}
	return t.Rev, prefix + t.Start, nil
}
