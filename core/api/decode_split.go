package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Splitting the input of DecodeManifests into documents, each converted to
// JSON, with the line where it starts: a JSON stream, or YAML documents
// separated by "---" lines.

var utf8BOM = []byte("\xef\xbb\xbf")

// splitDocuments splits data into documents: a JSON stream if it starts
// with '{' and its first value parses as JSON, YAML otherwise.
func (o DecodeOptions) splitDocuments(data []byte) []document {
	data = bytes.TrimPrefix(data, utf8BOM)
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		if docs, ok := splitJSONStream(data); ok {
			return docs
		}
	}
	return o.splitYAML(data)
}

// splitJSONStream reads consecutive JSON values. ok is false if the first
// one is not JSON (it may still be YAML flow syntax).
func splitJSONStream(data []byte) (docs []document, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := skipSpace(data, int(dec.InputOffset()))
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return docs, true
		}
		line := lineAt(data, start)
		if err != nil {
			if len(docs) == 0 {
				return nil, false
			}
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line = lineAt(data, int(se.Offset))
			}
			return append(docs, document{line: line, err: fmt.Errorf("invalid JSON at line %d: %w", line, err)}), true
		}
		docs = append(docs, document{line: line, json: raw})
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// lineAt returns the line, from 1, of byte offset off.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// splitYAML splits data at "---" lines and converts each document to JSON.
func (o DecodeOptions) splitYAML(data []byte) []document {
	var docs []document
	var cur []byte
	curStart := 1
	flush := func() {
		docs = append(docs, o.yamlDocument(cur, curStart))
		cur = nil
	}
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var ln []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i+1], data[i+1:]
		} else {
			ln, data = data, nil
		}
		if rest, ok := documentSeparator(ln); ok {
			flush()
			curStart = lineNo + 1
			if rest != nil {
				cur, curStart = append([]byte(nil), rest...), lineNo
			}
			continue
		}
		cur = append(cur, ln...)
	}
	flush()
	return docs
}

// documentSeparator reports whether ln is a "---" (or "...") line, and
// returns what follows the marker on the line if it is content.
func documentSeparator(ln []byte) (rest []byte, ok bool) {
	if !bytes.HasPrefix(ln, []byte("---")) && !bytes.HasPrefix(ln, []byte("...")) {
		return nil, false
	}
	after := ln[3:]
	if len(after) > 0 && after[0] != ' ' && after[0] != '\t' && after[0] != '\r' && after[0] != '\n' {
		return nil, false // e.g. "----" or "---foo": content, not a marker
	}
	if t := bytes.TrimSpace(after); len(t) > 0 && t[0] != '#' {
		return after, true
	}
	return nil, true
}

var yamlLineRE = regexp.MustCompile(`\bline (\d+)\b`)

// yamlDocument converts one YAML document starting at line start.
func (o DecodeOptions) yamlDocument(src []byte, start int) document {
	d := document{line: firstContentLine(src, start)}
	convert := yaml.YAMLToJSON
	if o.Strict {
		convert = yaml.YAMLToJSONStrict
	}
	js, err := convert(src)
	if err != nil {
		// Make the parser's line numbers absolute and its message one line.
		msg := yamlLineRE.ReplaceAllStringFunc(err.Error(), func(m string) string {
			n, _ := strconv.Atoi(m[len("line "):])
			return "line " + strconv.Itoa(n+start-1)
		})
		d.err = errors.New("invalid YAML: " + strings.Join(strings.Fields(msg), " "))
		return d
	}
	if t := bytes.TrimSpace(js); len(t) == 0 || string(t) == "null" {
		return document{} // empty, or only comments
	}
	d.json = js
	return d
}

// firstContentLine returns the line of the first line of src that is not
// blank or a comment, counting src's first line as start.
func firstContentLine(src []byte, start int) int {
	for i, ln := range bytes.Split(src, []byte("\n")) {
		if t := bytes.TrimSpace(ln); len(t) > 0 && t[0] != '#' {
			return start + i
		}
	}
	return start
}
