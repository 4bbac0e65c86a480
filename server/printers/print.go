package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// PrintOptions say how Print renders a Table.
type PrintOptions struct {
	// Wide shows the priority 1 columns (-o wide).
	Wide bool
	// NoHeaders leaves the header line out.
	NoHeaders bool
	// WithNamespace adds a NAMESPACE column first (-A).
	WithNamespace bool
	// ShowLabels adds a LABELS column last (--show-labels).
	ShowLabels bool
}

// TablePrinter prints Tables as kubectl does: upper-case headers, columns
// aligned with three spaces between them. Successive tables (the events of
// `get -w`) share the header and keep their columns at least as wide as
// before.
type TablePrinter struct {
	out           io.Writer
	opts          PrintOptions
	headerPrinted bool
	// widths are the widths of the columns printed so far, in runes.
	widths []int
}

// NewTablePrinter returns a printer writing to w.
func NewTablePrinter(w io.Writer, o PrintOptions) *TablePrinter {
	return &TablePrinter{out: w, opts: o}
}

// Print prints one table with its header.
func Print(w io.Writer, t *Table, o PrintOptions) error {
	return NewTablePrinter(w, o).PrintTable(t)
}

// PrintTable prints the rows of t, after the header if none was printed
// yet, and flushes.
func (p *TablePrinter) PrintTable(t *Table) error {
	var shown []int
	for i, c := range t.ColumnDefinitions {
		if c.Priority == 0 || p.opts.Wide {
			shown = append(shown, i)
		}
	}
	var lines [][]string
	if !p.headerPrinted && !p.opts.NoHeaders {
		var h []string
		if p.opts.WithNamespace {
			h = append(h, "NAMESPACE")
		}
		for _, i := range shown {
			h = append(h, strings.ToUpper(t.ColumnDefinitions[i].Name))
		}
		if p.opts.ShowLabels {
			h = append(h, "LABELS")
		}
		lines = append(lines, h)
	}
	p.headerPrinted = true
	for _, r := range t.Rows {
		var cells []string
		meta := rowMetadata(r)
		if p.opts.WithNamespace {
			cells = append(cells, meta.Namespace)
		}
		for _, i := range shown {
			if i < len(r.Cells) {
				cells = append(cells, cellString(r.Cells[i]))
			} else {
				cells = append(cells, "")
			}
		}
		if p.opts.ShowLabels {
			cells = append(cells, FormatLabels(meta.Labels))
		}
		lines = append(lines, cells)
	}
	return p.write(lines)
}

// Column layout, as kubectl's tabwriter (minimum width 6, padding 3, and
// widths remembered from one flush to the next): every cell but the last
// of a line is padded to its column's width.
const (
	minWidth = 6
	padding  = 3
)

func (p *TablePrinter) write(lines [][]string) error {
	for _, l := range lines {
		for i := 0; i < len(l)-1; i++ {
			w := max(utf8.RuneCountInString(l[i])+padding, minWidth)
			if i >= len(p.widths) {
				p.widths = append(p.widths, w)
			} else if w > p.widths[i] {
				p.widths[i] = w
			}
		}
	}
	var b strings.Builder
	for _, l := range lines {
		for i, c := range l {
			b.WriteString(c)
			if i < len(l)-1 {
				b.WriteString(strings.Repeat(" ", p.widths[i]-utf8.RuneCountInString(c)))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(p.out, b.String())
	return err
}

type rowMeta struct {
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
}

// rowMetadata reads the namespace and labels of a row's object.
func rowMetadata(r Row) rowMeta {
	var v struct {
		Metadata rowMeta `json:"metadata"`
	}
	if len(r.Object) > 0 {
		_ = json.Unmarshal(r.Object, &v) // a row without an object has no metadata to show
	}
	return v.Metadata
}

func cellString(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		// A table decoded from JSON holds numbers as float64.
		if v == float64(int64(v)) {
			return fmt.Sprint(int64(v))
		}
	}
	return fmt.Sprint(c)
}

// FormatLabels prints labels as "a=b,c=d" in key order, or "<none>".
func FormatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}
