package simapi

import (
	"strings"
)

// Locating a field in the editor's YAML, for the validation errors, which
// name a field path ("spec.template.spec.containers[0].image") but not a
// line. A YAML library with node positions (go.yaml.in/yaml/v3) would do
// it exactly but adds ~110 KB gzip to the module, past its 2.5 MB budget;
// this reads the block-style structure Kubernetes manifests use (keys,
// "- " items, indentation) and, where it cannot follow the path (flow
// style, anchors), points at the deepest part it could, which is never
// worse than the document's first line.

// entry is one logical line: a "- " item marker, or a key or value text.
type entry struct {
	line, indent int
	dash         bool
	text         string
}

// yamlDoc is one document's entries.
type yamlDoc []entry

// documents splits the editor's text at "---" lines into documents,
// leaving out those with no content, as the decoder does.
func documents(text string) []yamlDoc {
	var docs []yamlDoc
	var cur yamlDoc
	for i, raw := range strings.Split(text, "\n") {
		if strings.HasPrefix(raw, "---") || strings.HasPrefix(raw, "...") {
			if len(cur) > 0 {
				docs = append(docs, cur)
			}
			cur = nil
			continue
		}
		cur = appendEntries(cur, i+1, raw)
	}
	if len(cur) > 0 {
		docs = append(docs, cur)
	}
	return docs
}

func appendEntries(out yamlDoc, line int, raw string) yamlDoc {
	rest := strings.TrimRight(raw, " \t\r")
	indent := len(rest) - len(strings.TrimLeft(rest, " "))
	rest = rest[indent:]
	if rest == "" || rest[0] == '#' {
		return out
	}
	for rest == "-" || strings.HasPrefix(rest, "- ") {
		out = append(out, entry{line: line, indent: indent, dash: true})
		after := strings.TrimLeft(rest[1:], " ")
		indent += len(rest) - len(after)
		rest = after
	}
	if rest != "" {
		out = append(out, entry{line: line, indent: indent, text: rest})
	}
	return out
}

// fieldLine returns the line (from 1) of the field at path in doc. When
// the field cannot be found (a required field left out, flow style) it
// returns the line of the deepest ancestor it found, or the document's
// first line.
func fieldLine(doc yamlDoc, path string) int {
	if len(doc) == 0 {
		return 0
	}
	block, line := []entry(doc), doc[0].line
	for _, seg := range splitPath(path) {
		i := find(block, seg)
		if i < 0 {
			return line
		}
		line = block[i].line
		block = blockOf(block, i)
		if len(block) == 0 {
			return line
		}
	}
	return line
}

// find returns the index in block of the direct child named seg: a key
// "seg:" at the block's indentation, or the seg-th "- " item.
func find(block []entry, seg string) int {
	indent := block[0].indent
	n, isIndex := atoi(seg)
	for i, e := range block {
		if e.indent != indent {
			continue
		}
		if isIndex {
			if e.dash {
				if n == 0 {
					return i
				}
				n--
			}
			continue
		}
		if !e.dash && keyIs(e.text, seg) {
			return i
		}
	}
	return -1
}

func keyIs(text, key string) bool {
	for _, q := range []string{"", `"`, "'"} {
		if strings.HasPrefix(text, q+key+q+":") {
			return true
		}
	}
	return false
}

// blockOf returns the entries under block[i]: for an item, everything
// indented deeper; for a key, everything deeper plus a sequence written
// at the key's own indentation.
func blockOf(block []entry, i int) []entry {
	e := block[i]
	j := i + 1
	for j < len(block) && (block[j].indent > e.indent || (!e.dash && block[j].indent == e.indent && block[j].dash)) {
		j++
	}
	return block[i+1 : j]
}

func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// splitPath splits "a.b[0].c[key]" into a, b, 0, c, key.
func splitPath(path string) []string {
	var out []string
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(out, path[1:])
			}
			out = append(out, path[1:end])
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				return append(out, path)
			}
			out = append(out, path[:end])
			path = path[end:]
		}
	}
	return out
}
