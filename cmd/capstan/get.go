package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
)

// getOptions are the flags of `capstan get`.
type getOptions struct {
	output        string
	watch         bool
	watchOnly     bool
	selector      string
	fieldSelector string
	allNamespaces bool
	showLabels    bool
	noHeaders     bool
	chunkSize     int64
}

func newGetCommand(f *clientFlags) *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get KIND[,KIND...] [NAME...] | KIND/NAME...",
		Short: "Display objects",
		Long: `get prints objects as kubectl does: a table (-o wide adds columns), or the
objects themselves (-o yaml, -o json), or their names (-o name). -w keeps
watching and prints every change. Kinds take kubectl's names: pods or po,
deployments or deploy, services or svc, nodes or no, namespaces or ns,
replicasets or rs, endpoints or ep, configmaps or cm, serviceaccounts or
sa, pv, pvc, events or ev, leases, secrets.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			return runGet(cmd.Context(), c, o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.output, "output", "o", "", "output format: wide, yaml, json or name")
	fl.BoolVarP(&o.watch, "watch", "w", false, "after listing, watch for changes")
	fl.BoolVar(&o.watchOnly, "watch-only", false, "watch for changes without listing first")
	fl.StringVarP(&o.selector, "selector", "l", "", "label selector, e.g. app=web,tier!=db")
	fl.StringVar(&o.fieldSelector, "field-selector", "", "field selector, e.g. spec.nodeName=node-1")
	fl.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list across all namespaces")
	fl.BoolVar(&o.showLabels, "show-labels", false, "show the labels as the last column")
	fl.BoolVar(&o.noHeaders, "no-headers", false, "print no header line")
	fl.Int64Var(&o.chunkSize, "chunk-size", 500, "list in pages of this many objects (0: one page)")
	return cmd
}

// getTarget is one kind to get, with the names asked for (none: list).
type getTarget struct {
	info  *api.KindInfo
	names []string
}

// parseGetArgs reads "KIND[,KIND] [NAME...]" or "KIND/NAME ...".
func parseGetArgs(args []string) ([]getTarget, error) {
	if strings.Contains(args[0], "/") {
		var out []getTarget
		for _, a := range args {
			kind, name, ok := strings.Cut(a, "/")
			if !ok || name == "" {
				return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'capstan get resource/<resource_name>' instead of 'capstan get resource resource/<resource_name>')")
			}
			info, err := resolveKind(kind)
			if err != nil {
				return nil, err
			}
			out = append(out, getTarget{info: info, names: []string{name}})
		}
		return out, nil
	}
	var out []getTarget
	kinds := strings.Split(args[0], ",")
	if args[0] == "all" {
		// kubectl's "all" category, of the kinds capstan has.
		kinds = []string{"pods", "services", "deployments", "replicasets"}
	}
	for _, k := range kinds {
		info, err := resolveKind(k)
		if err != nil {
			return nil, err
		}
		out = append(out, getTarget{info: info, names: args[1:]})
	}
	return out, nil
}

func runGet(ctx context.Context, c *client.Client, o *getOptions, args []string, out, errOut io.Writer) error {
	switch o.output {
	case "", "wide", "yaml", "json", "name":
	default:
		return failed(fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", o.output))
	}
	targets, err := parseGetArgs(args)
	if err != nil {
		return failed(err)
	}
	ns := namespaceFor(c)
	if o.allNamespaces {
		ns = ""
	}
	if o.watch || o.watchOnly {
		if len(targets) != 1 {
			return failed(errors.New("you may only specify a single resource type when watching"))
		}
		return failed(watchGet(ctx, c, o, targets[0], ns, out))
	}
	var errs []error
	var all []api.Object
	printedTables := 0
	prefix := len(targets) > 1
	for _, t := range targets {
		objs, err := fetch(ctx, c, o, t, ns)
		errs = append(errs, err...)
		if len(objs) == 0 {
			continue
		}
		if o.output == "" || o.output == "wide" {
			if printedTables > 0 {
				fmt.Fprintln(out)
			}
			if err := printTable(out, t.info, objs, o, ns == "" && t.info.Namespaced, prefix); err != nil {
				return failed(err)
			}
			printedTables++
			continue
		}
		all = append(all, objs...)
	}
	if o.output != "" && o.output != "wide" {
		single := len(targets) == 1 && len(targets[0].names) == 1 && len(all) == 1
		if err := printObjects(out, all, o.output, single); err != nil {
			return failed(err)
		}
	}
	if printedTables == 0 && len(all) == 0 && len(errs) == 0 && (o.output == "" || o.output == "wide") {
		fmt.Fprintln(errOut, noResources(targets, ns))
	}
	return failed(errs...)
}

func noResources(targets []getTarget, ns string) string {
	if ns == "" || !targets[0].info.Namespaced {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", ns)
}

// fetch gets the named objects, or lists them.
func fetch(ctx context.Context, c *client.Client, o *getOptions, t getTarget, ns string) ([]api.Object, []error) {
	if len(t.names) == 0 {
		l, err := c.ListAll(ctx, t.info.Kind, ns, client.ListOptions{LabelSelector: o.selector, FieldSelector: o.fieldSelector, Limit: o.chunkSize})
		if err != nil {
			return nil, []error{err}
		}
		return l.Items, nil
	}
	var objs []api.Object
	var errs []error
	for _, n := range t.names {
		obj, err := c.Get(ctx, t.info.Kind, ns, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errs
}

func nowTime() api.Time {
	n := time.Now()
	return api.Unix(n.Unix(), int64(n.Nanosecond()))
}

// printTable prints objects of one kind as a table; with prefix the names
// read "deployment.apps/web", as kubectl prints several kinds.
func printTable(out io.Writer, info *api.KindInfo, objs []api.Object, o *getOptions, withNS, prefix bool) error {
	tbl, err := tableOf(info, objs, prefix)
	if err != nil {
		return err
	}
	return printers.Print(out, tbl, printOptions(o, withNS))
}

func printOptions(o *getOptions, withNS bool) printers.PrintOptions {
	return printers.PrintOptions{Wide: o.output == "wide", NoHeaders: o.noHeaders, WithNamespace: withNS, ShowLabels: o.showLabels}
}

func tableOf(info *api.KindInfo, objs []api.Object, prefix bool) (*printers.Table, error) {
	tbl, err := printers.ToTable(info.Kind, objs, nowTime(), printers.IncludeMetadata)
	if err != nil {
		return nil, err
	}
	if prefix {
		for i, col := range tbl.ColumnDefinitions {
			if col.Format != "name" {
				continue
			}
			for _, r := range tbl.Rows {
				if s, ok := r.Cells[i].(string); ok {
					r.Cells[i] = resourceRef(info, s)
				}
			}
		}
	}
	return tbl, nil
}

// printObjects prints objects as YAML, JSON or names. One object asked for
// by name prints alone; otherwise they print as a List, as kubectl does.
func printObjects(out io.Writer, objs []api.Object, format string, single bool) error {
	if format == "name" {
		for _, obj := range objs {
			fmt.Fprintln(out, printers.ResourceName(obj))
		}
		return nil
	}
	var js []byte
	var err error
	if single {
		js, err = api.Encode(objs[0])
	} else {
		items := make([]json.RawMessage, 0, len(objs))
		for _, obj := range objs {
			b, err := api.Encode(obj)
			if err != nil {
				return err
			}
			items = append(items, b)
		}
		js, err = json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items,
			"metadata": map[string]string{"resourceVersion": ""}})
	}
	if err != nil {
		return err
	}
	return writeEncoded(out, js, format)
}

// writeEncoded prints JSON indented by four spaces, or converts it to YAML.
func writeEncoded(out io.Writer, js []byte, format string) error {
	if format == "yaml" {
		y, err := yaml.JSONToYAML(js)
		if err != nil {
			return err
		}
		_, err = out.Write(y)
		return err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, js, "", "    "); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := out.Write(b.Bytes())
	return err
}

// watchGet lists (unless --watch-only), then prints each change: a table
// row under the same header, or the object. After a 410 it lists again.
func watchGet(ctx context.Context, c *client.Client, o *getOptions, t getTarget, ns string, out io.Writer) error {
	withNS := ns == "" && t.info.Namespaced
	tp := printers.NewTablePrinter(out, printOptions(o, withNS))
	show := func(objs []api.Object) error {
		if len(objs) == 0 {
			return nil
		}
		switch o.output {
		case "", "wide":
			tbl, err := tableOf(t.info, objs, false)
			if err != nil {
				return err
			}
			return tp.PrintTable(tbl)
		case "yaml":
			for _, obj := range objs {
				fmt.Fprintln(out, "---")
				if err := printObjects(out, []api.Object{obj}, "yaml", true); err != nil {
					return err
				}
			}
			return nil
		}
		return printObjects(out, objs, o.output, len(objs) == 1)
	}
	field := o.fieldSelector
	if len(t.names) == 1 {
		field = joinSelectors(field, "metadata.name="+t.names[0])
	} else if len(t.names) > 1 {
		return errors.New("watch is only supported on individual resources and resource collections, but 2 resources were found")
	}
	listed := false
	err := c.ListWatch(ctx, t.info.Kind, ns, client.ListOptions{LabelSelector: o.selector, FieldSelector: field, Limit: o.chunkSize},
		func(l *client.List) error {
			// The first list is printed (unless --watch-only); a list after
			// a 410 only moves the watch on.
			if listed || o.watchOnly {
				return nil
			}
			listed = true
			return show(l.Items)
		},
		func(ev client.Event) error { return show([]api.Object{ev.Object}) })
	if ctx.Err() != nil {
		return nil // interrupted: not an error
	}
	return err
}

func joinSelectors(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}
