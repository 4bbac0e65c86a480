package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
)

func newDescribeCommand(f *clientFlags) *cobra.Command {
	var selector string
	cmd := &cobra.Command{
		Use:   "describe KIND [NAME...] | KIND/NAME",
		Short: "Show the details of objects, with their events",
		Long: `describe prints objects in kubectl's sections (for a pod: its node, status,
containers with their state, conditions, volumes, tolerations) followed by
the events about them. Without a name it describes every object of the
kind in the namespace (or those matching -l).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			targets, err := parseGetArgs(args)
			if err != nil {
				return failed(err)
			}
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			var errs []error
			first := true
			for _, t := range targets {
				ns := namespaceFor(c)
				objs, ferrs := fetch(ctx, c, &getOptions{selector: selector, chunkSize: 500}, t, ns)
				errs = append(errs, ferrs...)
				for _, obj := range objs {
					if !first {
						fmt.Fprint(out, "\n\n") // kubectl's separator
					}
					first = false
					if err := describeObject(ctx, c, obj, out); err != nil {
						errs = append(errs, err)
					}
				}
			}
			return failed(errs...)
		},
	}
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "describe the objects matching this label selector")
	return cmd
}

// describer writes "Key:\tvalue" lines, indented by level, through a
// tabwriter as kubectl's describe does.
type describer struct {
	buf bytes.Buffer
	now api.Time
}

func (d *describer) line(level int, format string, args ...any) {
	d.buf.WriteString(strings.Repeat("  ", level))
	fmt.Fprintf(&d.buf, format, args...)
	d.buf.WriteByte('\n')
}

// flush writes what was described, aligned.
func (d *describer) flush(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	if _, err := tw.Write(d.buf.Bytes()); err != nil {
		return err
	}
	return tw.Flush()
}

// stamp prints a time as kubectl's describe does (RFC 1123 with a numeric
// zone), or "<unset>".
func stamp(t api.Time) string {
	if t.IsZero() {
		return "<unset>"
	}
	return time.Unix(0, int64(t)).UTC().Format(time.RFC1123Z)
}

// mapLines prints a map's entries sorted, the first on the header line.
func (d *describer) mapLines(level int, title string, m map[string]string, sep string) {
	if len(m) == 0 {
		d.line(level, "%s:\t<none>", title)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			d.line(level, "%s:\t%s%s%s", title, k, sep, m[k])
		} else {
			d.line(level, "\t%s%s%s", k, sep, m[k])
		}
	}
}

// meta prints the lines every object starts with.
func (d *describer) meta(m *api.ObjectMeta, namespaced bool) {
	d.name(m, namespaced)
	d.labels(m)
}

// name prints Name and Namespace.
func (d *describer) name(m *api.ObjectMeta, namespaced bool) {
	d.line(0, "Name:\t%s", m.Name)
	if namespaced {
		d.line(0, "Namespace:\t%s", m.Namespace)
	}
}

// labels prints Labels and Annotations (without apply's).
func (d *describer) labels(m *api.ObjectMeta) {
	d.mapLines(0, "Labels", m.Labels, "=")
	ann := m.Annotations
	if _, ok := ann[lastAppliedAnnotation]; ok {
		ann = make(map[string]string, len(m.Annotations))
		for k, v := range m.Annotations {
			if k != lastAppliedAnnotation {
				ann[k] = v
			}
		}
	}
	d.mapLines(0, "Annotations", ann, ": ")
}

func describeObject(ctx context.Context, c *client.Client, obj api.Object, out io.Writer) error {
	d := &describer{now: nowTime()}
	info, _ := api.LookupKind(obj.GetTypeMeta().Kind)
	switch o := obj.(type) {
	case *api.Pod:
		describePod(d, o)
	case *api.Deployment:
		rss, err := ownedReplicaSets(ctx, c, o)
		if err != nil {
			return err
		}
		describeDeployment(d, o, rss)
	case *api.ReplicaSet:
		pods, _, err := client.ListOf[*api.Pod](ctx, c, o.Namespace, client.ListOptions{LabelSelector: printers.FormatSelector(o.Spec.Selector)})
		if err != nil {
			return err
		}
		describeReplicaSet(d, o, pods)
	case *api.Namespace:
		// kubectl prints no events for a namespace.
		d.meta(&o.ObjectMeta, false)
		d.line(0, "Status:\t%s", o.Status.Phase)
		return d.flush(out)
	case *api.Service:
		describeService(d, o)
	case *api.Node:
		pods, _, err := client.ListOf[*api.Pod](ctx, c, "", client.ListOptions{FieldSelector: "spec.nodeName=" + o.Name})
		if err != nil {
			return err
		}
		lease, err := client.Get[*api.Lease](ctx, c, "kube-node-lease", o.Name)
		if err != nil && !api.IsNotFound(err) {
			return err
		}
		describeNode(d, o, lease, pods)
	default:
		if err := describeGeneric(d, obj, info.Namespaced); err != nil {
			return err
		}
	}
	if obj.GetTypeMeta().Kind != "Event" {
		evs, err := eventsFor(ctx, c, obj)
		if err != nil {
			return err
		}
		describeEvents(d, evs)
	}
	return d.flush(out)
}

// eventsFor lists the events about obj, oldest first.
func eventsFor(ctx context.Context, c *client.Client, obj api.Object) ([]*api.Event, error) {
	m := obj.GetObjectMeta()
	ns := m.Namespace
	if ns == "" {
		ns = client.DefaultNamespace // events about cluster-scoped objects
	}
	all, _, err := client.ListOf[*api.Event](ctx, c, ns, client.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []*api.Event
	for _, e := range all {
		ref := e.InvolvedObject
		if (ref.UID != "" && ref.UID == m.UID) || (ref.UID == "" && ref.Kind == obj.GetTypeMeta().Kind && ref.Name == m.Name) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lastSeen(out[i]) < lastSeen(out[j]) })
	return out, nil
}

func lastSeen(e *api.Event) api.Time {
	if !e.LastTimestamp.IsZero() {
		return e.LastTimestamp
	}
	if !e.FirstTimestamp.IsZero() {
		return e.FirstTimestamp
	}
	return e.CreationTimestamp
}

func describeEvents(d *describer, evs []*api.Event) {
	if len(evs) == 0 {
		d.line(0, "Events:\t<none>")
		return
	}
	d.line(0, "Events:")
	d.line(1, "Type\tReason\tAge\tFrom\tMessage")
	d.line(1, "----\t------\t----\t----\t-------")
	for _, e := range evs {
		first := e.FirstTimestamp
		if first.IsZero() {
			first = lastSeen(e)
		}
		age := printers.Since(first, d.now)
		if e.Count > 1 {
			age = fmt.Sprintf("%s (x%d over %s)", printers.Since(lastSeen(e), d.now), e.Count, printers.Since(first, d.now))
		}
		from := e.Source.Component
		if e.Source.Host != "" {
			from += ", " + e.Source.Host
		}
		if from == "" {
			from = e.ReportingController
		}
		d.line(1, "%s\t%s\t%s\t%s\t%s", e.Type, e.Reason, age, from, strings.TrimSpace(e.Message))
	}
}
