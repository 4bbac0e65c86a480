package printers

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// Table is meta.k8s.io/v1 Table: what `kubectl get` prints.
type Table struct {
	api.TypeMeta      `json:",inline"`
	api.ListMeta      `json:"metadata"`
	ColumnDefinitions []Column `json:"columnDefinitions"`
	Rows              []Row    `json:"rows"`
}

// Column is meta.k8s.io/v1 TableColumnDefinition. Priority 0 columns are
// always shown; priority 1 only with -o wide.
type Column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int32  `json:"priority"`
}

// Row is meta.k8s.io/v1 TableRow: one cell per column (strings and
// integers), and the object (or its metadata) it shows.
type Row struct {
	Cells      []any           `json:"cells"`
	Conditions []RowCondition  `json:"conditions,omitempty"`
	Object     json.RawMessage `json:"object,omitempty"`
}

// RowCondition is meta.k8s.io/v1 TableRowCondition; "Completed" marks a
// pod that has finished.
type RowCondition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// What a Row's object holds, as the includeObject parameter says.
const (
	IncludeNone     = "None"
	IncludeMetadata = "Metadata" // a PartialObjectMetadata (the default)
	IncludeObject   = "Object"
)

// printer is one kind's columns and its row function.
type printer struct {
	columns []Column
	row     func(obj api.Object, now api.Time) ([]any, []RowCondition)
}

var printers = map[string]printer{}

func col(name, typ, desc string) Column { return Column{Name: name, Type: typ, Description: desc} }

func wide(c Column) Column { c.Priority = 1; return c }

// nameColumn is the first column of every kind but Event.
var nameColumn = Column{Name: "Name", Type: "string", Format: "name",
	Description: "Name must be unique within a namespace."}

var ageColumn = col("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.")

// Columns returns a kind's column definitions.
func Columns(kind string) ([]Column, bool) {
	p, ok := printers[kind]
	return p.columns, ok
}

// ToTable returns the Table of objs, which must all be of the given kind,
// as seen at now. include is IncludeNone, IncludeMetadata ("" means this)
// or IncludeObject.
func ToTable(kind string, objs []api.Object, now api.Time, include string) (*Table, error) {
	p, ok := printers[kind]
	if !ok {
		return nil, fmt.Errorf("no table columns for kind %q", kind)
	}
	t := &Table{
		TypeMeta:          api.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "Table"},
		ColumnDefinitions: p.columns,
		Rows:              make([]Row, 0, len(objs)),
	}
	for _, o := range objs {
		if o.GetTypeMeta().Kind != kind {
			return nil, fmt.Errorf("table of %s: got a %s", kind, o.GetTypeMeta().Kind)
		}
		cells, conds := p.row(o, now)
		r := Row{Cells: cells, Conditions: conds}
		raw, err := rowObject(o, include)
		if err != nil {
			return nil, err
		}
		r.Object = raw
		t.Rows = append(t.Rows, r)
	}
	return t, nil
}

// partialObjectMetadata is meta.k8s.io/v1 PartialObjectMetadata.
type partialObjectMetadata struct {
	api.TypeMeta `json:",inline"`
	Metadata     *api.ObjectMeta `json:"metadata"`
}

func rowObject(o api.Object, include string) (json.RawMessage, error) {
	switch include {
	case IncludeNone:
		return nil, nil
	case IncludeObject:
		return api.Encode(o)
	case "", IncludeMetadata:
		return json.Marshal(partialObjectMetadata{
			TypeMeta: api.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"},
			Metadata: o.GetObjectMeta(),
		})
	}
	return nil, fmt.Errorf("includeObject %q: must be None, Metadata or Object", include)
}

// ResourceName returns "deployment.apps/web" for a Deployment named web:
// what `-o name` prints.
func ResourceName(o api.Object) string {
	tm := o.GetTypeMeta()
	kind := strings.ToLower(tm.Kind)
	if info, ok := api.LookupKind(tm.Kind); ok && info.Group != "" {
		kind += "." + info.Group
	}
	return kind + "/" + o.GetObjectMeta().Name
}

// none returns s, or "<none>" when s is empty.
func none(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
