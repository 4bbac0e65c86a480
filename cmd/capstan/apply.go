package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/patch"
)

// lastAppliedAnnotation holds the configuration apply last applied.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

func newApplyCommand(f *clientFlags) *cobra.Command {
	var files []string
	var recursive bool
	cmd := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Create or update objects from manifests (client-side apply)",
		Long: `apply creates each object of the manifests that does not exist and
updates each that does, printing "created", "configured" or "unchanged".

FILENAME is a file, a directory (its .yaml, .yml and .json files; -R for
subdirectories) or - for standard input; a file holds any number of YAML
documents or JSON objects, or Lists. As kubectl does, apply records the
configuration in the kubectl.kubernetes.io/last-applied-configuration
annotation and updates with the three-way strategic merge patch kubectl's
client-side apply sends: fields the configuration sets are set, fields it
dropped since the last apply are removed, fields it never mentioned
(defaults, status, what others set) are kept, and lists such as containers,
ports and env merge item by item by their keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			objs, err := readObjects(files, recursive, cmd.InOrStdin())
			if err != nil {
				return failed(err)
			}
			var errs []error
			for _, obj := range objs {
				res, err := applyObject(cmd.Context(), c, obj)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), res)
			}
			return failed(errs...)
		},
	}
	cmd.Flags().StringSliceVarP(&files, "filename", "f", nil, "the manifests: files, directories or - for standard input")
	cmd.Flags().BoolVarP(&recursive, "recursive", "R", false, "read directories recursively")
	return cmd
}

// applyObject creates or patches one object and returns the line to print:
// `deployment.apps/web created|configured|unchanged`.
func applyObject(ctx context.Context, c *client.Client, obj api.Object) (string, error) {
	info, err := placeObject(c, obj)
	if err != nil {
		return "", err
	}
	m := obj.GetObjectMeta()
	if m.Name == "" {
		return "", fmt.Errorf("%s: apply needs a name (metadata.name; generateName is for create)", info.Kind)
	}
	ref := resourceRef(info, m.Name)
	// The configuration: the object as given, without the annotation.
	delete(m.Annotations, lastAppliedAnnotation)
	if len(m.Annotations) == 0 {
		m.Annotations = nil
	}
	config, err := api.Encode(obj)
	if err != nil {
		return "", err
	}
	modified, err := toMap(config)
	if err != nil {
		return "", err
	}
	dropNulls(modified)
	delete(modified, "status")
	config, err = json.Marshal(modified)
	if err != nil {
		return "", err
	}
	setAnnotation(modified, lastAppliedAnnotation, string(config))

	live, err := c.Get(ctx, info.Kind, m.Namespace, m.Name)
	if api.IsNotFound(err) {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[lastAppliedAnnotation] = string(config)
		if _, err := c.Create(ctx, obj); err != nil {
			return "", err
		}
		return ref + " created", nil
	}
	if err != nil {
		return "", err
	}
	liveJSON, err := api.Encode(live)
	if err != nil {
		return "", err
	}
	modifiedJSON, err := json.Marshal(modified)
	if err != nil {
		return "", err
	}
	original := []byte(live.GetObjectMeta().Annotations[lastAppliedAnnotation])
	body, err := patch.ThreeWay(info.Kind, original, modifiedJSON, liveJSON)
	if err != nil && len(original) > 0 {
		// A corrupt annotation counts as none, as kubectl treats it.
		body, err = patch.ThreeWay(info.Kind, nil, modifiedJSON, liveJSON)
	}
	if err != nil {
		return "", err
	}
	if string(body) == "{}" {
		return ref + " unchanged", nil
	}
	if _, err := c.Patch(ctx, info.Kind, m.Namespace, m.Name, client.StrategicMergePatchType, body, ""); err != nil {
		return "", err
	}
	return ref + " configured", nil
}

// setAnnotation sets metadata.annotations[k] = v in an object's JSON map.
func setAnnotation(obj map[string]any, k, v string) {
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		meta["annotations"] = ann
	}
	ann[k] = v
}

// toMap decodes a JSON object.
func toMap(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// dropNulls removes the null values of a configuration (fields the Go
// types encode as null when unset), which in a patch would mean "delete".
func dropNulls(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(x)
		case []any:
			for _, it := range x {
				if im, ok := it.(map[string]any); ok {
					dropNulls(im)
				}
			}
		}
	}
}
