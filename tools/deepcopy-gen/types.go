package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// skip lists the exported types of package api that get no deep copy, each
// with the reason; a field of one of them is an error like any other field
// the generator cannot copy. An entry naming no type is an error too, so
// that the list stays true.
var skip = map[string]string{
	"KindInfo":    "registry metadata holding a constructor func; shared, never copied",
	"DecodeError": "wraps an arbitrary error; a decoding result, never stored",
	"FieldError":  "BadValue holds a value of any type; a validation result, never stored",
	"ErrorList":   "a list of *FieldError",
}

// basicTypes are the predeclared types copied by assignment.
var basicTypes = map[string]bool{
	"bool": true, "string": true, "byte": true, "rune": true,
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true, "complex64": true, "complex128": true,
}

// pkg is the parsed source of the package, without the generated file.
type pkg struct {
	fset  *token.FileSet
	name  string
	files []*ast.File
	// decls holds every type declared at package level, by name.
	decls map[string]*ast.TypeSpec
	// plain memoises isPlain for named types; in progress while false and
	// absent from plainDone.
	plain     map[string]bool
	plainDone map[string]bool
	// src holds each file's text, by file name, for messages.
	src map[string][]byte
}

// load parses the non-test Go files of dir.
func load(dir string) (*pkg, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	p := &pkg{fset: token.NewFileSet(), decls: map[string]*ast.TypeSpec{},
		plain: map[string]bool{}, plainDone: map[string]bool{}, src: map[string][]byte{}}
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasSuffix(base, "_test.go") || base == outputName {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(p.fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if p.name == "" {
			p.name = f.Name.Name
		} else if f.Name.Name != p.name {
			return nil, fmt.Errorf("%s: package %s, expected %s", name, f.Name.Name, p.name)
		}
		p.files = append(p.files, f)
		p.src[name] = src
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				p.decls[ts.Name.Name] = ts
			}
		}
	}
	if len(p.files) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return p, nil
}

// kindOf says how a type is copied.
type kindOf int

const (
	kPlain   kindOf = iota // by assignment
	kStruct                // a named struct with references: its DeepCopyInto
	kPointer               // new element, copied
	kSlice                 // make, then element by element
	kArray                 // element by element
	kMap                   // make, then entry by entry
)

// typ is a resolved type as it is written in a field.
type typ struct {
	kind kindOf
	// expr is the type as Go source: "[]Container", "ResourceList".
	expr string
	// name is set for a named type of the package.
	name string
	// elem is the element of a pointer, slice, array or map; key the key
	// of a map.
	elem, key *typ
}

// errUncopyable is a field type the generator does not know how to copy.
type errUncopyable struct{ what string }

func (e errUncopyable) Error() string { return e.what }

// resolve returns how values of the type written as e are copied.
func (p *pkg) resolve(e ast.Expr) (*typ, error) {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return p.resolve(e.X)
	case *ast.Ident:
		return p.resolveName(e.Name)
	case *ast.StarExpr:
		elem, err := p.resolve(e.X)
		if err != nil {
			return nil, err
		}
		return &typ{kind: kPointer, expr: "*" + elem.expr, elem: elem}, nil
	case *ast.ArrayType:
		elem, err := p.resolve(e.Elt)
		if err != nil {
			return nil, err
		}
		if e.Len == nil {
			return &typ{kind: kSlice, expr: "[]" + elem.expr, elem: elem}, nil
		}
		n := p.source(e.Len)
		if elem.kind == kPlain {
			return &typ{kind: kPlain, expr: "[" + n + "]" + elem.expr}, nil
		}
		return &typ{kind: kArray, expr: "[" + n + "]" + elem.expr, elem: elem}, nil
	case *ast.MapType:
		key, err := p.resolve(e.Key)
		if err != nil {
			return nil, err
		}
		if key.kind != kPlain {
			return nil, errUncopyable{"map key " + key.expr + " holds references: copying it would change the key's identity"}
		}
		elem, err := p.resolve(e.Value)
		if err != nil {
			return nil, err
		}
		return &typ{kind: kMap, expr: "map[" + key.expr + "]" + elem.expr, key: key, elem: elem}, nil
	case *ast.StructType:
		if !p.structPlain(e) {
			return nil, errUncopyable{"an unnamed struct holding references; give it a name"}
		}
		return &typ{kind: kPlain, expr: p.source(e)}, nil
	case *ast.InterfaceType:
		return nil, errUncopyable{"an interface: its dynamic value cannot be copied without reflection"}
	case *ast.FuncType:
		return nil, errUncopyable{"a func"}
	case *ast.ChanType:
		return nil, errUncopyable{"a channel"}
	case *ast.SelectorExpr:
		return nil, errUncopyable{"a type of another package (" + p.source(e) + ")"}
	case *ast.IndexExpr, *ast.IndexListExpr:
		return nil, errUncopyable{"an instantiated generic type (" + p.source(e) + ")"}
	}
	return nil, errUncopyable{fmt.Sprintf("an unsupported type expression %s", p.source(e))}
}

// resolveName resolves a predeclared or package-level type name.
func (p *pkg) resolveName(name string) (*typ, error) {
	if basicTypes[name] {
		return &typ{kind: kPlain, expr: name}, nil
	}
	switch name {
	case "error", "any":
		return nil, errUncopyable{"an interface (" + name + "): its dynamic value cannot be copied without reflection"}
	}
	ts, ok := p.decls[name]
	if !ok {
		return nil, errUncopyable{"an unknown type " + name}
	}
	if ts.TypeParams != nil {
		return nil, errUncopyable{"a generic type " + name}
	}
	if ts.Assign.IsValid() { // an alias: the type it stands for
		t, err := p.resolve(ts.Type)
		if err != nil {
			return nil, err
		}
		c := *t
		c.expr = name
		return &c, nil
	}
	u, err := p.underlying(name)
	if err != nil {
		return nil, err
	}
	if _, ok := u.(*ast.StructType); ok {
		if p.isPlain(name) {
			return &typ{kind: kPlain, expr: name, name: name}, nil
		}
		return &typ{kind: kStruct, expr: name, name: name}, nil
	}
	t, err := p.resolve(u)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := *t
	c.expr, c.name = name, name
	return &c, nil
}

// underlying follows a chain of defined types ("type A B") to the type
// literal or predeclared type at its end.
func (p *pkg) underlying(name string) (ast.Expr, error) {
	seen := map[string]bool{}
	for {
		ts := p.decls[name]
		id, ok := ts.Type.(*ast.Ident)
		if !ok || basicTypes[id.Name] || p.decls[id.Name] == nil {
			return ts.Type, nil
		}
		if seen[name] {
			return nil, fmt.Errorf("type %s is defined in terms of itself", name)
		}
		seen[name] = true
		name = id.Name
	}
}

// isPlain reports whether values of the named type hold no references, so
// that assignment copies them deeply. Unexported fields count like exported
// ones: Quantity is plain because its unexported fields are numbers.
func (p *pkg) isPlain(name string) bool {
	if p.plainDone[name] {
		return p.plain[name]
	}
	if _, busy := p.plain[name]; busy {
		return false // a cycle: only through references, so not plain
	}
	p.plain[name] = false
	u, err := p.underlying(name)
	plain := false
	if err == nil {
		plain = p.exprPlain(u)
	}
	p.plain[name], p.plainDone[name] = plain, true
	return plain
}

func (p *pkg) exprPlain(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return p.exprPlain(e.X)
	case *ast.Ident:
		if basicTypes[e.Name] {
			return true
		}
		if p.decls[e.Name] != nil && p.decls[e.Name].TypeParams == nil {
			return p.isPlain(e.Name)
		}
		return false
	case *ast.ArrayType:
		return e.Len != nil && p.exprPlain(e.Elt)
	case *ast.StructType:
		return p.structPlain(e)
	}
	return false
}

func (p *pkg) structPlain(s *ast.StructType) bool {
	for _, f := range s.Fields.List {
		if !p.exprPlain(f.Type) {
			return false
		}
	}
	return true
}

// source prints a node as Go source.
func (p *pkg) source(n ast.Node) string {
	start, end := p.fset.Position(n.Pos()), p.fset.Position(n.End())
	if src, ok := p.src[start.Filename]; ok && start.Offset <= end.Offset && end.Offset <= len(src) {
		return string(src[start.Offset:end.Offset])
	}
	return fmt.Sprintf("%T", n)
}

// fieldName is the name by which a field is selected; for an embedded
// field, its type's name.
func fieldName(f *ast.Field, i int) string {
	if len(f.Names) > 0 {
		return f.Names[i].Name
	}
	e := f.Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return "?"
}

// registeredKinds returns the type names of the kinds registered with
// register(group, version, kind, resource, namespaced, func() Object {
// return &T{} }), sorted.
func (p *pkg) registeredKinds() ([]string, error) {
	seen := map[string]bool{}
	var errs []string
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "register" || len(call.Args) == 0 {
				return true
			}
			name := ""
			ast.Inspect(call.Args[len(call.Args)-1], func(n ast.Node) bool {
				if cl, ok := n.(*ast.CompositeLit); ok {
					if id, ok := cl.Type.(*ast.Ident); ok && name == "" {
						name = id.Name
					}
				}
				return name == ""
			})
			if name == "" {
				errs = append(errs, fmt.Sprintf("%s: cannot tell which type this register call constructs", p.fset.Position(call.Pos())))
			} else {
				seen[name] = true
			}
			return true
		})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("no register(...) calls found in package %s", p.name)
	}
	kinds := make([]string, 0, len(seen))
	for k := range seen {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds, nil
}

// embeds reports whether struct s embeds the named type by value.
func embeds(s *ast.StructType, name string) bool {
	for _, f := range s.Fields.List {
		if id, ok := f.Type.(*ast.Ident); ok && len(f.Names) == 0 && id.Name == name {
			return true
		}
	}
	return false
}
