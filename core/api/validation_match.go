package api

// Hand-written matchers for the formats of validation_names.go: each
// accepts exactly what the anchored regular expression of its format
// would ("^" + fmt + "$"), without a regexp engine on the hot path (every
// pod created validates its names, labels and keys).
// validation_match_test.go compares each with its regular expression.

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || isDigit(c) }

// isLowerAlnum: [a-z0-9].
func isLowerAlnum(c byte) bool { return isLower(c) || isDigit(c) }

// matchDNS1123Label: [a-z0-9]([-a-z0-9]*[a-z0-9])?
func matchDNS1123Label(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// matchDNS1123Subdomain: labels joined by dots.
func matchDNS1123Subdomain(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if !matchDNS1123Label(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// matchDNS1035Label: [a-z]([-a-z0-9]*[a-z0-9])?
func matchDNS1035Label(s string) bool {
	return s != "" && isLower(s[0]) && matchDNS1123Label(s)
}

// matchQualifiedName: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
func matchQualifiedName(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// matchLabelValue: empty or a qualified name.
func matchLabelValue(s string) bool { return s == "" || matchQualifiedName(s) }

// isKeyChar: [-._a-zA-Z0-9].
func isKeyChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' || c == '_' }

// matchEnvVarName: [-._a-zA-Z][-._a-zA-Z0-9]*
func matchEnvVarName(s string) bool {
	return s != "" && !isDigit(s[0]) && matchConfigMapKey(s)
}

// matchConfigMapKey: [-._a-zA-Z0-9]+
func matchConfigMapKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isKeyChar(s[i]) {
			return false
		}
	}
	return true
}

// matchPercent: [0-9]+%
func matchPercent(s string) bool {
	if len(s) < 2 || s[len(s)-1] != '%' {
		return false
	}
	for i := 0; i < len(s)-1; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// matchHTTPHeaderName: [-A-Za-z0-9]+
func matchHTTPHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// matchPortNameCharset: [-a-z0-9]+
func matchPortNameCharset(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// containsLower: the string has a letter [a-z] somewhere.
func containsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLower(s[i]) {
			return true
		}
	}
	return false
}
