package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/printers"
)

// The annotations core/control keeps on a Deployment's ReplicaSets (see
// core/control/deployment_util.go), and those a rollback does not copy.
const (
	annotationRevision    = "deployment.kubernetes.io/revision"
	annotationChangeCause = "kubernetes.io/change-cause"
	labelPodTemplateHash  = "pod-template-hash"
)

var rollbackSkipsAnnotation = map[string]bool{
	lastAppliedAnnotation:                       true,
	annotationRevision:                          true,
	"deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas":     true,
	"deprecated.deployment.rollback.to":         true,
}

func newRolloutCommand(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout (status|history|undo|restart|pause|resume) deployment/NAME",
		Short: "Follow, list, undo or restart a Deployment's rollouts",
	}
	var timeout time.Duration
	var watch bool
	status := &cobra.Command{
		Use:   "status deployment/NAME",
		Short: "Wait until a rollout completes, printing its progress",
		Args:  cobra.RangeArgs(1, 2),
		RunE: withDeployment(f, func(ctx context.Context, c *client.Client, ns, name string, out io.Writer) error {
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			return rolloutStatus(ctx, c, ns, name, watch, out)
		}),
	}
	status.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (0: never)")
	status.Flags().BoolVarP(&watch, "watch", "w", true, "wait for the rollout to finish")
	var revision int64
	history := &cobra.Command{
		Use:   "history deployment/NAME",
		Short: "List a Deployment's revisions",
		Args:  cobra.RangeArgs(1, 2),
		RunE: withDeployment(f, func(ctx context.Context, c *client.Client, ns, name string, out io.Writer) error {
			return rolloutHistory(ctx, c, ns, name, revision, out)
		}),
	}
	history.Flags().Int64Var(&revision, "revision", 0, "show the pod template of this revision")
	var toRevision int64
	undo := &cobra.Command{
		Use:   "undo deployment/NAME [--to-revision=N]",
		Short: "Roll a Deployment back to its previous (or a given) revision",
		Args:  cobra.RangeArgs(1, 2),
		RunE: withDeployment(f, func(ctx context.Context, c *client.Client, ns, name string, out io.Writer) error {
			return rolloutUndo(ctx, c, ns, name, toRevision, out)
		}),
	}
	undo.Flags().Int64Var(&toRevision, "to-revision", 0, "the revision to go back to (0: the previous one)")
	restart := &cobra.Command{
		Use:   "restart deployment/NAME",
		Short: "Replace every pod of a Deployment through a new rollout",
		Args:  cobra.RangeArgs(1, 2),
		RunE: withDeployment(f, func(ctx context.Context, c *client.Client, ns, name string, out io.Writer) error {
			patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
				"annotations": map[string]string{"kubectl.kubernetes.io/restartedAt": time.Now().Format(time.RFC3339)}}}}})
			if _, err := c.Patch(ctx, "Deployment", ns, name, client.MergePatchType, patch, ""); err != nil {
				return err
			}
			fmt.Fprintf(out, "deployment.apps/%s restarted\n", name)
			return nil
		}),
	}
	pauseResume := func(paused bool, verb string) *cobra.Command {
		return &cobra.Command{
			Use:   verb + " deployment/NAME",
			Short: map[bool]string{true: "Stop rolling out changes of a Deployment's template", false: "Roll out a paused Deployment's changes again"}[paused],
			Args:  cobra.RangeArgs(1, 2),
			RunE: withDeployment(f, func(ctx context.Context, c *client.Client, ns, name string, out io.Writer) error {
				d, err := client.Get[*api.Deployment](ctx, c, ns, name)
				if err != nil {
					return err
				}
				if d.Spec.Paused == paused {
					return fmt.Errorf("deployments.apps %q is not %s", name, map[bool]string{true: "resumed", false: "paused"}[paused])
				}
				body, _ := json.Marshal(map[string]any{"spec": map[string]any{"paused": paused}})
				if _, err := c.Patch(ctx, "Deployment", ns, name, client.MergePatchType, body, ""); err != nil {
					return err
				}
				fmt.Fprintf(out, "deployment.apps/%s %sd\n", name, verb)
				return nil
			}),
		}
	}
	cmd.AddCommand(status, history, undo, restart, pauseResume(true, "pause"), pauseResume(false, "resume"))
	return cmd
}

// withDeployment parses "deployment/NAME" or "deployment NAME" and runs fn.
func withDeployment(f *clientFlags, fn func(ctx context.Context, c *client.Client, ns, name string, out io.Writer) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		kind, name := "", ""
		if len(args) == 2 {
			kind, name = args[0], args[1]
		} else if k, n, ok := strings.Cut(args[0], "/"); ok {
			kind, name = k, n
		} else {
			return failed(errors.New("give the deployment as deployment/NAME"))
		}
		info, err := resolveKind(kind)
		if err != nil {
			return failed(err)
		}
		if info.Kind != "Deployment" {
			return failed(fmt.Errorf("no rollouts for %s: only Deployments have them", info.Resource))
		}
		c, err := f.client()
		if err != nil {
			return failed(err)
		}
		return failed(fn(cmd.Context(), c, namespaceFor(c), name, cmd.OutOrStdout()))
	}
}

// deploymentRolloutStatus is kubectl's DeploymentStatusViewer: the message
// to print, whether the rollout is done, or an error if it failed.
func deploymentRolloutStatus(d *api.Deployment) (string, bool, error) {
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...\n", false, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == api.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	st := d.Status
	if want := replicasOf(d.Spec.Replicas); st.UpdatedReplicas < want {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...\n", d.Name, st.UpdatedReplicas, want), false, nil
	}
	if st.Replicas > st.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...\n", d.Name, st.Replicas-st.UpdatedReplicas), false, nil
	}
	if st.AvailableReplicas < st.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...\n", d.Name, st.AvailableReplicas, st.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out\n", d.Name), true, nil
}

func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// rolloutStatus prints each new status message until the rollout is done,
// following the Deployment with a watch.
func rolloutStatus(ctx context.Context, c *client.Client, ns, name string, watch bool, out io.Writer) error {
	last := ""
	check := func(d *api.Deployment) (bool, error) {
		msg, done, err := deploymentRolloutStatus(d)
		if err != nil {
			return false, err
		}
		if msg != last {
			fmt.Fprint(out, msg)
			last = msg
		}
		return done, nil
	}
	err := c.ListWatch(ctx, "Deployment", ns, client.ListOptions{FieldSelector: "metadata.name=" + name},
		func(l *client.List) error {
			if len(l.Items) == 0 {
				return api.NewNotFound("deployments", name)
			}
			done, err := check(l.Items[0].(*api.Deployment))
			if err == nil && (done || !watch) {
				err = client.ErrStopWatching
			}
			return err
		},
		func(ev client.Event) error {
			if ev.Type == client.Deleted {
				return fmt.Errorf("deployment %q was deleted", name)
			}
			done, err := check(ev.Object.(*api.Deployment))
			if err == nil && done {
				err = client.ErrStopWatching
			}
			return err
		})
	if ctx.Err() != nil && err != nil {
		return errors.New("timed out waiting for the condition")
	}
	return err
}

// ownedReplicaSets returns the ReplicaSets the Deployment controls, by
// revision (lowest first).
func ownedReplicaSets(ctx context.Context, c *client.Client, d *api.Deployment) ([]*api.ReplicaSet, error) {
	rss, _, err := client.ListOf[*api.ReplicaSet](ctx, c, d.Namespace, client.ListOptions{LabelSelector: printers.FormatSelector(d.Spec.Selector)})
	if err != nil {
		return nil, err
	}
	var out []*api.ReplicaSet
	for _, rs := range rss {
		for _, ref := range rs.OwnerReferences {
			if ref.UID == d.UID && ref.Controller != nil && *ref.Controller {
				out = append(out, rs)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return revision(out[i]) < revision(out[j]) })
	return out, nil
}

func revision(rs *api.ReplicaSet) int64 {
	r, _ := strconv.ParseInt(rs.Annotations[annotationRevision], 10, 64)
	return r
}

func rolloutHistory(ctx context.Context, c *client.Client, ns, name string, rev int64, out io.Writer) error {
	d, err := client.Get[*api.Deployment](ctx, c, ns, name)
	if err != nil {
		return err
	}
	rss, err := ownedReplicaSets(ctx, c, d)
	if err != nil {
		return err
	}
	if rev > 0 {
		for _, rs := range rss {
			if revision(rs) == rev {
				fmt.Fprintf(out, "deployment.apps/%s with revision #%d\n", name, rev)
				describePodTemplate(out, &rs.Spec.Template)
				return nil
			}
		}
		return fmt.Errorf("unable to find the specified revision")
	}
	fmt.Fprintf(out, "deployment.apps/%s \n", name)
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCHANGE-CAUSE")
	for _, rs := range rss {
		if revision(rs) == 0 {
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\n", revision(rs), none(rs.Annotations[annotationChangeCause]))
	}
	tw.Flush()
	fmt.Fprintln(out)
	return nil
}

func none(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// rolloutUndo puts the template of an earlier revision's ReplicaSet back on
// the Deployment (with the annotations that came with it); core/control
// then rolls it out as a new revision, reusing that ReplicaSet.
func rolloutUndo(ctx context.Context, c *client.Client, ns, name string, toRevision int64, out io.Writer) error {
	for attempt := 0; ; attempt++ {
		d, err := client.Get[*api.Deployment](ctx, c, ns, name)
		if err != nil {
			return err
		}
		rss, err := ownedReplicaSets(ctx, c, d)
		if err != nil {
			return err
		}
		var target *api.ReplicaSet
		switch {
		case toRevision == 0 && len(rss) < 2:
			return fmt.Errorf("no rollout history found for deployment %q", name)
		case toRevision == 0:
			target = rss[len(rss)-2]
		default:
			for _, rs := range rss {
				if revision(rs) == toRevision {
					target = rs
				}
			}
			if target == nil {
				return fmt.Errorf("unable to find specified revision %d in history", toRevision)
			}
		}
		tmpl := withoutHash(target.Spec.Template)
		if templatesEqual(tmpl, withoutHash(d.Spec.Template)) {
			fmt.Fprintf(out, "deployment.apps/%s skipped rollback (current template already matches revision %d)\n", name, revision(target))
			return nil
		}
		d.Spec.Template = tmpl
		for k, v := range target.Annotations {
			if !rollbackSkipsAnnotation[k] {
				if d.Annotations == nil {
					d.Annotations = map[string]string{}
				}
				d.Annotations[k] = v
			}
		}
		if _, err := c.Update(ctx, d); err != nil {
			if api.IsConflict(err) && attempt < 5 {
				continue
			}
			return err
		}
		fmt.Fprintf(out, "deployment.apps/%s rolled back\n", name)
		return nil
	}
}

func withoutHash(t api.PodTemplateSpec) api.PodTemplateSpec {
	if _, ok := t.Labels[labelPodTemplateHash]; ok {
		labels := make(map[string]string, len(t.Labels))
		for k, v := range t.Labels {
			if k != labelPodTemplateHash {
				labels[k] = v
			}
		}
		t.Labels = labels
	}
	return t
}

func templatesEqual(a, b api.PodTemplateSpec) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
