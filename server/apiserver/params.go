package apiserver

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
)

// boolParam reads a boolean query parameter; absent is false.
func boolParam(q url.Values, name string) (bool, error) {
	v, ok := q[name]
	if !ok || len(v) == 0 || v[0] == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v[0])
	if err != nil {
		return false, api.NewBadRequest(fmt.Sprintf("invalid value %q for query parameter %s: want true or false", v[0], name))
	}
	return b, nil
}

// intParam reads an integer query parameter that must be at least min.
func intParam(q url.Values, name string, min int64) (int64, bool, error) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min {
		return 0, false, api.NewBadRequest(fmt.Sprintf("invalid value %q for query parameter %s: want an integer >= %d", v, name, min))
	}
	return n, true, nil
}

// dryRunParam reads dryRun: absent, or "All".
func dryRunParam(q url.Values) (bool, error) {
	vs := q["dryRun"]
	for _, v := range vs {
		if v != "All" {
			return false, api.NewBadRequest(fmt.Sprintf("invalid dryRun value %q: the only supported value is \"All\"", v))
		}
	}
	return len(vs) > 0, nil
}

// fieldValidationParam reads fieldValidation (Strict, Warn, Ignore;
// default Warn, as Kubernetes).
func fieldValidationParam(q url.Values) (fieldValidation, error) {
	switch v := q.Get("fieldValidation"); v {
	case "":
		return validationWarn, nil
	case "Strict", "Warn", "Ignore":
		return fieldValidation(v), nil
	default:
		return "", api.NewBadRequest(fmt.Sprintf("invalid fieldValidation value %q: want Strict, Warn or Ignore", v))
	}
}

// revisionParam parses a resourceVersion; "" and "0" are 0.
func revisionParam(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, api.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q: want a non-negative integer", v))
	}
	return n, nil
}
