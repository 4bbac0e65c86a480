package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/core/api"
)

func newCreateCommand(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create (namespace NAME | secret generic NAME ...)",
		Short: "Create a namespace or a secret",
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "namespace NAME",
		Aliases: []string{"ns"},
		Short:   "Create a namespace",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: args[0]}}
			if _, err := c.Create(cmd.Context(), ns); err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "namespace/%s created\n", args[0])
			return nil
		},
	})
	secret := &cobra.Command{Use: "secret generic NAME", Short: "Create a secret"}
	var literals, fromFiles []string
	var typ string
	generic := &cobra.Command{
		Use:   "generic NAME [--from-literal=KEY=VALUE] [--from-file=[KEY=]PATH]",
		Short: "Create a secret from literal values and files",
		Long: `generic creates an Opaque secret (or of --type). --from-literal=KEY=VALUE
adds a key; --from-file=PATH adds a file under its base name, or under KEY
with KEY=PATH; a directory adds each regular file in it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := secretData(literals, fromFiles)
			if err != nil {
				return failed(err)
			}
			c, err := f.client()
			if err != nil {
				return failed(err)
			}
			s := &api.Secret{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: api.ObjectMeta{Name: args[0], Namespace: namespaceFor(c)}, Data: data, Type: typ}
			if _, err := c.Create(cmd.Context(), s); err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "secret/%s created\n", args[0])
			return nil
		},
	}
	generic.Flags().StringArrayVar(&literals, "from-literal", nil, "KEY=VALUE to add (repeatable)")
	generic.Flags().StringArrayVar(&fromFiles, "from-file", nil, "[KEY=]PATH of a file or directory to add (repeatable)")
	generic.Flags().StringVar(&typ, "type", api.SecretTypeOpaque, "the secret's type")
	secret.AddCommand(generic)
	cmd.AddCommand(secret)
	return cmd
}

// secretData collects the keys of `create secret generic`.
func secretData(literals, files []string) (map[string][]byte, error) {
	data := map[string][]byte{}
	add := func(k string, v []byte) error {
		if _, dup := data[k]; dup {
			return fmt.Errorf("cannot add key %s, another key by that name already exists", k)
		}
		if errs := api.IsConfigMapKey(k); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid key name for a Secret: %s", k, strings.Join(errs, "; "))
		}
		data[k] = v
		return nil
	}
	for _, l := range literals {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid literal source %s, expected key=value", l)
		}
		if err := add(k, []byte(v)); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		key, path, named := strings.Cut(f, "=")
		if !named {
			key, path = "", f
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("error reading %s: %w", path, err)
		}
		if st.IsDir() {
			if named {
				return nil, fmt.Errorf("cannot give a key name for a directory path")
			}
			entries, err := os.ReadDir(path)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if !e.Type().IsRegular() {
					continue
				}
				b, err := os.ReadFile(filepath.Join(path, e.Name()))
				if err != nil {
					return nil, err
				}
				if err := add(e.Name(), b); err != nil {
					return nil, err
				}
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if key == "" {
			key = filepath.Base(path)
		}
		if err := add(key, b); err != nil {
			return nil, err
		}
	}
	return data, nil
}
