package apiserver

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// labelRequirement is one requirement of a label selector string.
type labelRequirement struct {
	key    string
	op     string // "in", "notin", "exists", "!", "=", "!=", "gt", "lt"
	values []string
}

// labelSelector is a parsed labelSelector query: every requirement must
// hold. The zero value matches everything.
type labelSelector []labelRequirement

func (s labelSelector) matches(labels map[string]string) bool {
	for _, r := range s {
		v, ok := labels[r.key]
		switch r.op {
		case "in", "=":
			if !ok || !slices.Contains(r.values, v) {
				return false
			}
		case "notin", "!=":
			if ok && slices.Contains(r.values, v) {
				return false
			}
		case "exists":
			if !ok {
				return false
			}
		case "!":
			if ok {
				return false
			}
		case "gt", "lt":
			n, err := strconv.ParseInt(v, 10, 64)
			want, _ := strconv.ParseInt(r.values[0], 10, 64)
			if !ok || err != nil || (r.op == "gt" && n <= want) || (r.op == "lt" && n >= want) {
				return false
			}
		}
	}
	return true
}

// parseLabelSelector parses Kubernetes' label selector syntax:
//
//	env=prod,tier!=cache,app in (web,api),track notin (canary),gpu,!spot,rank>3
//
// Errors are 400 BadRequest with what is wrong and where.
func parseLabelSelector(s string) (labelSelector, error) {
	p := &selParser{in: s}
	var out labelSelector
	p.skipSpace()
	if p.eof() {
		return nil, nil
	}
	for {
		r, err := p.requirement()
		if err != nil {
			return nil, api.NewBadRequest(fmt.Sprintf("unable to parse requirement: invalid labelSelector %q: %v", s, err))
		}
		out = append(out, r)
		p.skipSpace()
		if p.eof() {
			return out, nil
		}
		if !p.consume(",") {
			return nil, api.NewBadRequest(fmt.Sprintf("unable to parse requirement: invalid labelSelector %q: expected ',' at offset %d", s, p.pos))
		}
	}
}

type selParser struct {
	in  string
	pos int
}

func (p *selParser) eof() bool { return p.pos >= len(p.in) }

func (p *selParser) skipSpace() {
	for !p.eof() && (p.in[p.pos] == ' ' || p.in[p.pos] == '\t') {
		p.pos++
	}
}

func (p *selParser) consume(tok string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.in[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// word reads an identifier: anything up to a space or one of "!=(),<>".
func (p *selParser) word() string {
	p.skipSpace()
	start := p.pos
	for !p.eof() && !strings.ContainsRune(" \t!=(),<>", rune(p.in[p.pos])) {
		p.pos++
	}
	return p.in[start:p.pos]
}

func (p *selParser) requirement() (labelRequirement, error) {
	if p.consume("!") {
		key := p.word()
		if err := checkKey(key); err != nil {
			return labelRequirement{}, err
		}
		return labelRequirement{key: key, op: "!"}, nil
	}
	key := p.word()
	if err := checkKey(key); err != nil {
		return labelRequirement{}, err
	}
	p.skipSpace()
	r := labelRequirement{key: key}
	switch {
	case p.eof() || p.in[p.pos] == ',':
		r.op = "exists"
		return r, nil
	case p.consume("=="), p.consume("="):
		r.op = "="
	case p.consume("!="):
		r.op = "!="
	case p.consume(">"):
		r.op = "gt"
	case p.consume("<"):
		r.op = "lt"
	default:
		save := p.pos
		switch w := p.word(); w {
		case "in", "notin":
			r.op = w
			vals, err := p.valueSet()
			if err != nil {
				return r, err
			}
			r.values = vals
			return r, nil
		default:
			p.pos = save
			return r, fmt.Errorf("expected one of =, ==, !=, in, notin, >, < after key %q at offset %d", key, p.pos)
		}
	}
	v := p.word()
	if r.op == "gt" || r.op == "lt" {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return r, fmt.Errorf("for '>' and '<' the value must be an integer, got %q", v)
		}
	} else if err := checkValue(v); err != nil {
		return r, err
	}
	r.values = []string{v}
	return r, nil
}

func (p *selParser) valueSet() ([]string, error) {
	if !p.consume("(") {
		return nil, fmt.Errorf("expected '(' at offset %d", p.pos)
	}
	var vals []string
	for {
		v := p.word()
		if err := checkValue(v); err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if p.consume(")") {
			return vals, nil
		}
		if !p.consume(",") {
			return nil, fmt.Errorf("expected ',' or ')' at offset %d", p.pos)
		}
	}
}

func checkKey(k string) error {
	if k == "" {
		return fmt.Errorf("a key is required")
	}
	if errs := api.IsQualifiedName(k); len(errs) > 0 {
		return fmt.Errorf("invalid label key %q: %s", k, strings.Join(errs, "; "))
	}
	return nil
}

func checkValue(v string) error {
	if errs := api.IsValidLabelValue(v); len(errs) > 0 {
		return fmt.Errorf("invalid label value %q: %s", v, strings.Join(errs, "; "))
	}
	return nil
}

// fieldRequirement is one term of a field selector.
type fieldRequirement struct {
	field string
	value string
	not   bool
}

// fieldSelector is a parsed fieldSelector query.
type fieldSelector []fieldRequirement

// parseFieldSelector parses "a=b,c!=d" (also "=="; "\," "\=" "\\" escape),
// accepting only the fields the resource supports.
func parseFieldSelector(s, resource string) (fieldSelector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out fieldSelector
	for _, term := range splitUnescaped(s, ',') {
		var r fieldRequirement
		var lhs, rhs string
		switch {
		case indexUnescaped(term, "!=") >= 0:
			i := indexUnescaped(term, "!=")
			lhs, rhs, r.not = term[:i], term[i+2:], true
		case indexUnescaped(term, "==") >= 0:
			i := indexUnescaped(term, "==")
			lhs, rhs = term[:i], term[i+2:]
		case indexUnescaped(term, "=") >= 0:
			i := indexUnescaped(term, "=")
			lhs, rhs = term[:i], term[i+1:]
		default:
			return nil, api.NewBadRequest(fmt.Sprintf("invalid fieldSelector %q: %q is not of the form field=value or field!=value", s, term))
		}
		r.field = strings.TrimSpace(lhs)
		r.value = unescapeField(rhs)
		if _, ok := fieldGetter(resource, r.field); !ok {
			return nil, api.NewBadRequest(fmt.Sprintf("field label not supported: %s (resource %s supports %s)",
				r.field, resource, strings.Join(supportedFields(resource), ", ")))
		}
		out = append(out, r)
	}
	return out, nil
}

func (s fieldSelector) matches(o api.Object, resource string) bool {
	for _, r := range s {
		get, _ := fieldGetter(resource, r.field)
		if (get(o) == r.value) == r.not {
			return false
		}
	}
	return true
}

// splitUnescaped splits s at sep characters not preceded by a backslash.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func indexUnescaped(s, tok string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], tok) {
			return i
		}
	}
	return -1
}

func unescapeField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
