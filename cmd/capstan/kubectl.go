package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

// The kubectl-like commands (apply, get, describe, delete, scale, rollout,
// create, cluster-info, sim-nodes) share the connection flags, the way
// they name kinds, and how they report errors; this file holds all three.

// clientFlags are the connection flags of every command that talks to an
// API server.
type clientFlags struct {
	kubeconfig     string
	context        string
	namespace      string
	server         string
	token          string
	insecure       bool
	requestTimeout time.Duration
}

func (f *clientFlags) register(cmd *cobra.Command) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	fl.StringVar(&f.context, "context", "", "the kubeconfig context to use")
	fl.StringVarP(&f.namespace, "namespace", "n", "", "the namespace (default: the context's, else default)")
	fl.StringVarP(&f.server, "server", "s", "", "the API server's URL, overriding the kubeconfig")
	fl.StringVar(&f.token, "token", "", "the bearer token, overriding the kubeconfig")
	fl.BoolVar(&f.insecure, "insecure-skip-tls-verify", false, "do not verify the server's certificate (insecure)")
	fl.DurationVar(&f.requestTimeout, "request-timeout", 0, "bound on each request (0: 30s)")
}

// client connects as the flags say.
func (f *clientFlags) client() (*client.Client, error) {
	cfg, err := client.LoadConfig(client.LoadOptions{
		Kubeconfig: f.kubeconfig, Context: f.context, Namespace: f.namespace,
		Server: f.server, Token: f.token, InsecureSkipTLSVerify: f.insecure,
	})
	if err != nil {
		return nil, err
	}
	cfg.Timeout = f.requestTimeout
	cfg.UserAgent = "capstan/" + version
	return client.New(cfg)
}

// addClusterCommands adds the commands that talk to an API server.
func addClusterCommands(root *cobra.Command) {
	f := &clientFlags{}
	for _, c := range []*cobra.Command{
		newApplyCommand(f), newGetCommand(f), newDescribeCommand(f), newDeleteCommand(f),
		newScaleCommand(f), newRolloutCommand(f), newCreateCommand(f), newClusterInfoCommand(f),
		newSimNodesCommand(f), newLogsCommand(f),
	} {
		f.register(c)
		root.AddCommand(c)
	}
}

// kindAliases maps every name a user may give a kind (kubectl's short
// names, singular and plural, with or without the group) to the kind.
var kindAliases = func() map[string]string {
	short := map[string][]string{
		"Pod": {"po"}, "Deployment": {"deploy"}, "ReplicaSet": {"rs"}, "Service": {"svc"},
		"Node": {"no"}, "Namespace": {"ns"}, "Endpoints": {"ep"}, "ConfigMap": {"cm"},
		"ServiceAccount": {"sa"}, "PersistentVolume": {"pv"}, "PersistentVolumeClaim": {"pvc"},
		"Event": {"ev"},
	}
	m := map[string]string{}
	for _, k := range api.Kinds() {
		names := append([]string{strings.ToLower(k.Kind), k.Resource}, short[k.Kind]...)
		for _, n := range names {
			m[n] = k.Kind
			if k.Group != "" {
				m[n+"."+k.Group] = k.Kind
			}
		}
	}
	return m
}()

// resolveKind returns the kind a user's name denotes.
func resolveKind(name string) (*api.KindInfo, error) {
	if k, ok := kindAliases[strings.ToLower(name)]; ok {
		info, _ := api.LookupKind(k)
		return info, nil
	}
	if info, ok := api.LookupKind(name); ok {
		return info, nil
	}
	return nil, fmt.Errorf("the server doesn't have a resource type %q", name)
}

// qualifiedResource is "deployments.apps" or "pods": how kubectl names a
// resource in messages.
func qualifiedResource(info *api.KindInfo) string {
	if info.Group == "" {
		return info.Resource
	}
	return info.Resource + "." + info.Group
}

// resourceRef is "deployment.apps/web": how kubectl names an object in
// its one-line results.
func resourceRef(info *api.KindInfo, name string) string {
	k := strings.ToLower(info.Kind)
	if info.Group != "" {
		k += "." + info.Group
	}
	return k + "/" + name
}

// namespaceFor is where a namespaced command acts: --namespace, else the
// context's namespace.
func namespaceFor(c *client.Client) string { return c.Namespace() }

// describeError formats an error as kubectl prints it.
func describeError(err error) string {
	var ex exitError
	if errors.As(err, &ex) {
		return ex.msg // already in its final words
	}
	var se *api.StatusError
	if !errors.As(err, &se) {
		return "error: " + err.Error()
	}
	st := se.ErrStatus
	if st.Reason == api.StatusReasonInvalid && st.Details != nil {
		var causes []string
		for _, c := range st.Details.Causes {
			if c.Field != "" {
				causes = append(causes, c.Field+": "+c.Message)
			} else {
				causes = append(causes, c.Message)
			}
		}
		kind := st.Details.Kind
		if st.Details.Group != "" {
			kind += "." + st.Details.Group
		}
		switch len(causes) {
		case 0:
			return fmt.Sprintf("The %s %q is invalid", kind, st.Details.Name)
		case 1:
			return fmt.Sprintf("The %s %q is invalid: %s", kind, st.Details.Name, causes[0])
		}
		return fmt.Sprintf("The %s %q is invalid: \n* %s", kind, st.Details.Name, strings.Join(causes, "\n* "))
	}
	if st.Reason == api.StatusReasonUnknown {
		return "Error from server: " + st.Message
	}
	return fmt.Sprintf("Error from server (%s): %s", st.Reason, st.Message)
}

// failed turns errors into the command's result: each printed as kubectl
// prints it, exit code 1.
func failed(errs ...error) error {
	var msgs []string
	for _, e := range errs {
		if e != nil {
			msgs = append(msgs, describeError(e))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return exitError{1, strings.Join(msgs, "\n")}
}

// manifestFiles lists what -f names: a file, every .yaml/.yml/.json file
// of a directory (recursively with -R), or "-" for standard input.
func manifestFiles(paths []string, recursive bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		if p == "-" {
			out = append(out, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("the path %q does not exist", p)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && !recursive {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// readObjects decodes every object of the -f paths, in order (sim's
// readManifests does the decoding and reports each bad document).
func readObjects(paths []string, recursive bool, stdin io.Reader) ([]api.Object, error) {
	if len(paths) == 0 {
		return nil, errors.New("must specify -f")
	}
	files, err := manifestFiles(paths, recursive)
	if err != nil {
		return nil, err
	}
	objs, err := readManifests(stdin, files)
	if err != nil {
		return nil, exitError{1, err.Error()}
	}
	if len(objs) == 0 {
		return nil, errors.New("no objects passed")
	}
	return objs, nil
}

// placeObject gives a namespaced object the command's namespace, and
// refuses one whose own namespace contradicts an explicit --namespace.
func placeObject(c *client.Client, obj api.Object) (*api.KindInfo, error) {
	info, ok := api.LookupKind(obj.GetTypeMeta().Kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", obj.GetTypeMeta().Kind)
	}
	m := obj.GetObjectMeta()
	if !info.Namespaced {
		m.Namespace = ""
		return info, nil
	}
	ns := namespaceFor(c)
	if m.Namespace == "" {
		m.Namespace = ns
	} else if c.Config().NamespaceExplicit && m.Namespace != ns {
		return nil, fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation.", m.Namespace, ns, m.Namespace)
	}
	return info, nil
}
