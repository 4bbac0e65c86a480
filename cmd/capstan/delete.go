package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

// deleteOptions are the flags of `capstan delete`.
type deleteOptions struct {
	files       []string
	recursive   bool
	selector    string
	all         bool
	cascade     string
	gracePeriod int64
	wait        bool
	timeout     time.Duration
	ignoreNF    bool
	force       bool
}

func newDeleteCommand(f *clientFlags) *cobra.Command {
	o := &deleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete (KIND NAME... | KIND/NAME... | KIND -l SELECTOR | KIND --all | -f FILENAME)",
		Short: "Delete objects",
		Long: `delete deletes objects named on the command line, selected by label, or
described in manifests (-f). --cascade says what becomes of dependents:
background (the default: the garbage collector deletes them after the
owner is gone), foreground (the owner stays, with a deletionTimestamp,
until they are gone) or orphan (they stay). --grace-period overrides a
pod's termination grace period (0 with --force: at once). With --wait (the
default) delete returns once the objects are gone.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			return runDelete(cmd.Context(), c, o, args, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&o.files, "filename", "f", nil, "delete the objects of these manifests")
	fl.BoolVarP(&o.recursive, "recursive", "R", false, "read directories recursively")
	fl.StringVarP(&o.selector, "selector", "l", "", "delete the objects matching this label selector")
	fl.BoolVar(&o.all, "all", false, "delete every object of the kind in the namespace")
	fl.StringVar(&o.cascade, "cascade", "background", "background, foreground or orphan")
	fl.Int64Var(&o.gracePeriod, "grace-period", -1, "seconds to let a pod terminate (-1: its own setting)")
	fl.BoolVar(&o.wait, "wait", true, "wait until the objects are gone")
	fl.DurationVar(&o.timeout, "timeout", 0, "give up waiting after this long (0: a week)")
	fl.BoolVar(&o.ignoreNF, "ignore-not-found", false, "treat a missing object as deleted")
	fl.BoolVar(&o.force, "force", false, "delete at once (grace period 0), without waiting for the node to stop the pod")
	return cmd
}

// deleteTarget is one object to delete.
type deleteTarget struct {
	info      *api.KindInfo
	namespace string
	name      string
}

func runDelete(ctx context.Context, c *client.Client, o *deleteOptions, args []string, stdin io.Reader, out io.Writer) error {
	opts := client.DeleteOptions{}
	switch o.cascade {
	case "background", "true":
		opts.PropagationPolicy = client.DeletePropagationBackground
	case "foreground":
		opts.PropagationPolicy = client.DeletePropagationForeground
	case "orphan", "false":
		opts.PropagationPolicy = client.DeletePropagationOrphan
	default:
		return failed(fmt.Errorf("invalid cascade value (%s). Must be \"background\", \"foreground\", or \"orphan\"", o.cascade))
	}
	// As kubectl: --force means no grace; a grace period of 0 without
	// --force means 1 second (the node still stops the pod).
	switch g := o.gracePeriod; {
	case o.force && g < 0:
		g = 0
		opts.GracePeriodSeconds = &g
	case g == 0 && !o.force:
		g = 1
		opts.GracePeriodSeconds = &g
	case g >= 0:
		opts.GracePeriodSeconds = &g
	}
	targets, err := deleteTargets(ctx, c, o, args, stdin)
	if err != nil {
		return failed(err)
	}
	if len(targets) == 0 {
		fmt.Fprintln(out, "No resources found")
		return nil
	}
	var errs []error
	var deleted []deleteTarget
	uids := map[deleteTarget]string{}
	for _, t := range targets {
		// Remember the UID, so that --wait is not fooled by an object of
		// the same name created meanwhile.
		obj, err := c.Delete(ctx, t.info.Kind, t.namespace, t.name, opts)
		if err != nil {
			if api.IsNotFound(err) && o.ignoreNF {
				continue
			}
			errs = append(errs, err)
			continue
		}
		if obj != nil {
			uids[t] = obj.GetObjectMeta().UID
		}
		fmt.Fprintf(out, "%s %q deleted\n", qualifiedKindName(t.info), t.name)
		deleted = append(deleted, t)
	}
	if o.wait {
		timeout := o.timeout
		if timeout <= 0 {
			timeout = 7 * 24 * time.Hour
		}
		wctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		for _, t := range deleted {
			if err := waitGone(wctx, c, t, uids[t]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return failed(errs...)
}

// qualifiedKindName is "deployment.apps": how kubectl's delete names a kind.
func qualifiedKindName(info *api.KindInfo) string {
	r := resourceRef(info, "")
	return r[:len(r)-1]
}

func deleteTargets(ctx context.Context, c *client.Client, o *deleteOptions, args []string, stdin io.Reader) ([]deleteTarget, error) {
	if len(o.files) > 0 {
		if len(args) > 0 {
			return nil, errors.New("when -f is given, no kinds or names may be")
		}
		objs, err := readObjects(o.files, o.recursive, stdin)
		if err != nil {
			return nil, err
		}
		var out []deleteTarget
		for _, obj := range objs {
			info, err := placeObject(c, obj)
			if err != nil {
				return nil, err
			}
			out = append(out, deleteTarget{info, obj.GetObjectMeta().Namespace, obj.GetObjectMeta().Name})
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, errors.New("you must provide one or more resources by argument or filename")
	}
	targets, err := parseGetArgs(args)
	if err != nil {
		return nil, err
	}
	ns := namespaceFor(c)
	var out []deleteTarget
	for _, t := range targets {
		tns := ns
		if !t.info.Namespaced {
			tns = ""
		}
		if len(t.names) > 0 {
			if o.all || o.selector != "" {
				return nil, errors.New("name cannot be provided when a selector or --all is specified")
			}
			for _, n := range t.names {
				out = append(out, deleteTarget{t.info, tns, n})
			}
			continue
		}
		if !o.all && o.selector == "" {
			return nil, fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		l, err := c.ListAll(ctx, t.info.Kind, tns, client.ListOptions{LabelSelector: o.selector, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, obj := range l.Items {
			out = append(out, deleteTarget{t.info, obj.GetObjectMeta().Namespace, obj.GetObjectMeta().Name})
		}
	}
	return out, nil
}

// waitGone polls until the object is gone (or replaced by one with another
// UID).
func waitGone(ctx context.Context, c *client.Client, t deleteTarget, uid string) error {
	tick := 50 * time.Millisecond
	for {
		obj, err := c.Get(ctx, t.info.Kind, t.namespace, t.name)
		if api.IsNotFound(err) {
			return nil
		}
		if err == nil && uid != "" && obj.GetObjectMeta().UID != uid {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for the deletion of %s", resourceRef(t.info, t.name))
		case <-time.After(tick):
		}
		tick = min(2*tick, time.Second)
	}
}
