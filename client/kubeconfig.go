package client

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Kubeconfig is the part of a kubeconfig file (kind Config, apiVersion v1)
// that capstan reads. Unknown fields (preferences, extensions, exec
// plugins) are ignored.
type Kubeconfig struct {
	APIVersion     string         `json:"apiVersion,omitempty"`
	Kind           string         `json:"kind,omitempty"`
	CurrentContext string         `json:"current-context,omitempty"`
	Clusters       []NamedCluster `json:"clusters,omitempty"`
	Contexts       []NamedContext `json:"contexts,omitempty"`
	Users          []NamedUser    `json:"users,omitempty"`
}

// NamedCluster is one entry of a kubeconfig's clusters.
type NamedCluster struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// Cluster says where an API server is and how to trust it.
type Cluster struct {
	Server string `json:"server,omitempty"`
	// CertificateAuthority is a PEM file; a relative path is relative to
	// the kubeconfig file's directory.
	CertificateAuthority     string `json:"certificate-authority,omitempty"`
	CertificateAuthorityData []byte `json:"certificate-authority-data,omitempty"`
	InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify,omitempty"`
	TLSServerName            string `json:"tls-server-name,omitempty"`
}

// NamedContext is one entry of a kubeconfig's contexts.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// Context ties a cluster, a user and a default namespace together.
type Context struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace,omitempty"`
}

// NamedUser is one entry of a kubeconfig's users.
type NamedUser struct {
	Name string `json:"name"`
	User User   `json:"user"`
}

// User holds credentials: a bearer token (inline or in a file) or a client
// certificate.
type User struct {
	Token                 string `json:"token,omitempty"`
	TokenFile             string `json:"tokenFile,omitempty"`
	ClientCertificate     string `json:"client-certificate,omitempty"`
	ClientCertificateData []byte `json:"client-certificate-data,omitempty"`
	ClientKey             string `json:"client-key,omitempty"`
	ClientKeyData         []byte `json:"client-key-data,omitempty"`
}

// LoadOptions says where the configuration comes from; the fields are the
// CLI's global flags. Empty fields are not overrides.
type LoadOptions struct {
	// Kubeconfig is an explicit file (--kubeconfig); it must exist. When
	// empty, $KUBECONFIG (a list separated by the OS's path-list separator,
	// ':' on Linux) is merged, else ~/.kube/config is read if it exists.
	Kubeconfig string
	// Context overrides the current-context.
	Context string
	// Server, Token, Namespace, CertificateAuthority and
	// InsecureSkipTLSVerify override what the context says.
	Server                string
	Token                 string
	Namespace             string
	CertificateAuthority  string
	InsecureSkipTLSVerify bool
	// Getenv and HomeDir replace os.Getenv and os.UserHomeDir (tests).
	Getenv  func(string) string
	HomeDir string
}

// DefaultNamespace is the namespace of a context that names none.
const DefaultNamespace = "default"

// ErrNoConfig is returned (wrapped) when no kubeconfig exists and no
// --server was given.
var ErrNoConfig = errors.New("no configuration has been provided: pass --kubeconfig, set KUBECONFIG, write ~/.kube/config or give --server")

// LoadConfig resolves the options into a Config, as kubectl does: the
// files are merged (the first file to define a cluster, context or user, or
// the current-context, wins), the context is chosen, and the overrides are
// applied. Relative file paths inside a kubeconfig are relative to its
// directory.
func LoadConfig(o LoadOptions) (*Config, error) {
	merged, err := loadKubeconfigs(o)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Namespace: DefaultNamespace}
	ctxName := merged.CurrentContext
	if o.Context != "" {
		ctxName = o.Context
	}
	if ctxName != "" {
		if err := merged.apply(cfg, ctxName); err != nil {
			return nil, err
		}
	}
	if o.Server != "" {
		cfg.Server = o.Server
	}
	if o.Token != "" {
		cfg.Token = o.Token
	}
	if o.Namespace != "" {
		cfg.Namespace = o.Namespace
		cfg.NamespaceExplicit = true
	}
	if o.CertificateAuthority != "" {
		b, err := os.ReadFile(o.CertificateAuthority)
		if err != nil {
			return nil, fmt.Errorf("reading certificate authority: %w", err)
		}
		cfg.CAData = b
	}
	if o.InsecureSkipTLSVerify {
		cfg.Insecure = true
	}
	if cfg.Server == "" {
		if ctxName != "" && o.Context == "" && len(merged.files) > 0 {
			return nil, fmt.Errorf("context %q has no server: %w", ctxName, ErrNoConfig)
		}
		return nil, ErrNoConfig
	}
	return cfg, nil
}

// mergedConfig is the union of kubeconfig files, each entry remembering the
// directory of the file it came from.
type mergedConfig struct {
	files          []string
	CurrentContext string
	clusters       map[string]located[Cluster]
	contexts       map[string]Context
	users          map[string]located[User]
}

type located[T any] struct {
	v   T
	dir string
}

func loadKubeconfigs(o LoadOptions) (*mergedConfig, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	m := &mergedConfig{clusters: map[string]located[Cluster]{}, contexts: map[string]Context{}, users: map[string]located[User]{}}
	if o.Kubeconfig != "" {
		return m, m.add(o.Kubeconfig, true)
	}
	if env := getenv("KUBECONFIG"); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p == "" {
				continue
			}
			if err := m.add(p, false); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	home := o.HomeDir
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return m, nil // no home: no default file
		}
		home = h
	}
	return m, m.add(filepath.Join(home, ".kube", "config"), false)
}

// add merges one file; a missing file is an error only if it was named
// explicitly.
func (m *mergedConfig) add(path string, mustExist bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading kubeconfig: %w", err)
	}
	var kc Kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if kc.Kind != "" && kc.Kind != "Config" {
		return fmt.Errorf("kubeconfig %s: kind is %q, not Config", path, kc.Kind)
	}
	m.files = append(m.files, path)
	dir := filepath.Dir(path)
	if m.CurrentContext == "" {
		m.CurrentContext = kc.CurrentContext
	}
	for _, c := range kc.Clusters {
		if _, ok := m.clusters[c.Name]; !ok {
			m.clusters[c.Name] = located[Cluster]{c.Cluster, dir}
		}
	}
	for _, c := range kc.Contexts {
		if _, ok := m.contexts[c.Name]; !ok {
			m.contexts[c.Name] = c.Context
		}
	}
	for _, u := range kc.Users {
		if _, ok := m.users[u.Name]; !ok {
			m.users[u.Name] = located[User]{u.User, dir}
		}
	}
	return nil
}

// apply fills cfg from the named context.
func (m *mergedConfig) apply(cfg *Config, ctxName string) error {
	kctx, ok := m.contexts[ctxName]
	if !ok {
		return fmt.Errorf("context %q not found in the kubeconfig (%s)", ctxName, strings.Join(m.files, ", "))
	}
	cfg.Context = ctxName
	if kctx.Namespace != "" {
		cfg.Namespace = kctx.Namespace
	}
	if kctx.Cluster != "" {
		cl, ok := m.clusters[kctx.Cluster]
		if !ok {
			return fmt.Errorf("context %q names cluster %q, which is not in the kubeconfig", ctxName, kctx.Cluster)
		}
		cfg.Server = cl.v.Server
		cfg.Insecure = cl.v.InsecureSkipTLSVerify
		cfg.TLSServerName = cl.v.TLSServerName
		cfg.CAData = cl.v.CertificateAuthorityData
		if len(cfg.CAData) == 0 && cl.v.CertificateAuthority != "" {
			b, err := os.ReadFile(resolve(cl.dir, cl.v.CertificateAuthority))
			if err != nil {
				return fmt.Errorf("cluster %q: reading certificate authority: %w", kctx.Cluster, err)
			}
			cfg.CAData = b
		}
	}
	if kctx.User != "" {
		u, ok := m.users[kctx.User]
		if !ok {
			return fmt.Errorf("context %q names user %q, which is not in the kubeconfig", ctxName, kctx.User)
		}
		if err := fillUser(cfg, kctx.User, u); err != nil {
			return err
		}
	}
	return nil
}

// fillUser fills cfg's credentials from user u, named name.
func fillUser(cfg *Config, name string, u located[User]) error {
	usr := u.v
	cfg.Token = usr.Token
	if cfg.Token == "" && usr.TokenFile != "" {
		b, err := os.ReadFile(resolve(u.dir, usr.TokenFile))
		if err != nil {
			return fmt.Errorf("user %q: reading token file: %w", name, err)
		}
		cfg.Token = strings.TrimSpace(string(b))
	}
	cfg.CertData, cfg.KeyData = usr.ClientCertificateData, usr.ClientKeyData
	for _, f := range []struct {
		path string
		dst  *[]byte
	}{{usr.ClientCertificate, &cfg.CertData}, {usr.ClientKey, &cfg.KeyData}} {
		if len(*f.dst) == 0 && f.path != "" {
			b, err := os.ReadFile(resolve(u.dir, f.path))
			if err != nil {
				return fmt.Errorf("user %q: %w", name, err)
			}
			*f.dst = b
		}
	}
	return nil
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
