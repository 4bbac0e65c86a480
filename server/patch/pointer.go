package patch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// JSON pointers (RFC 6901) and the paths of messages.

// parsePointer splits an RFC 6901 JSON pointer into its unescaped tokens:
// "" is the whole document, "/a~1b/0" is ["a/b", "0"].
func parsePointer(s string) ([]string, error) {
	if s == "" {
		return []string{}, nil
	}
	if s[0] != '/' {
		return nil, fmt.Errorf("JSON pointer %q must be empty or start with \"/\"", s)
	}
	parts := strings.Split(s[1:], "/")
	for i, p := range parts {
		if !strings.Contains(p, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(p); j++ {
			if p[j] != '~' {
				b.WriteByte(p[j])
				continue
			}
			if j+1 < len(p) && (p[j+1] == '0' || p[j+1] == '1') {
				b.WriteByte("~/"[p[j+1]-'0'])
				j++
				continue
			}
			return nil, fmt.Errorf("JSON pointer %q: \"~\" must be followed by 0 or 1", s)
		}
		parts[i] = b.String()
	}
	return parts, nil
}

// isProperPrefix reports whether p is a proper prefix of q.
func isProperPrefix(p, q []string) bool {
	return len(p) < len(q) && slices.Equal(p, q[:len(p)])
}

// arrayIndex parses an array index token for an array of n elements; with
// forAdd, "-" and n (the end) are valid too. As in Kubernetes, a negative
// index counts from the end: -1 is the last element (for add, the end).
func arrayIndex(tok string, n int, forAdd bool) (int, error) {
	size := n
	if forAdd {
		size = n + 1
	}
	if tok == "-" {
		if forAdd {
			return n, nil
		}
		return 0, fmt.Errorf(`%w: "-" is the end of the array, past its last element`, errOutOfRange)
	}
	digits, negative := strings.CutPrefix(tok, "-")
	if digits == "" || len(digits) > 1 && digits[0] == '0' || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("not an array index (indices are decimal, without leading zeros)")
	}
	idx, err := strconv.Atoi(digits)
	if negative {
		idx = size - idx
	}
	if err != nil || idx < 0 || idx >= size {
		return 0, fmt.Errorf("%w: the array has %d elements", errOutOfRange, n)
	}
	return idx, nil
}

// errOutOfRange marks an index past the end of an array.
var errOutOfRange = errors.New("index out of range")

// pointerText writes tokens back as a JSON pointer.
func pointerText(tokens []string) string {
	var b strings.Builder
	r := strings.NewReplacer("~", "~0", "/", "~1")
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(r.Replace(t))
	}
	return b.String()
}

// fieldPath writes tokens as a Kubernetes field path:
// "spec.containers[0].image", "metadata.labels[app.kubernetes.io/name]";
// with lastOnArray the last token is an index into an array.
func fieldPath(tokens []string, lastOnArray bool) string {
	var b strings.Builder
	for i, t := range tokens {
		index := t != "" && strings.TrimLeft(t, "0123456789") == ""
		if i == len(tokens)-1 && lastOnArray {
			index = true
		}
		switch {
		case index, t == "" || strings.ContainsAny(t, "./[]"):
			b.WriteString("[" + t + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t)
		}
	}
	if b.Len() == 0 {
		return "<root>"
	}
	return b.String()
}
