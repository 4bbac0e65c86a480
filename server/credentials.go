package server

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/server/auth"
	"github.com/capstan-dev/capstan/server/pki"
)

// Files in the data dir besides pki/ and etcd/.
const (
	TokensFile     = "tokens"
	KubeconfigFile = "admin.kubeconfig"
)

// Credentials are the server's TLS material, its tokens and the admin's
// kubeconfig, all kept in the data dir.
type Credentials struct {
	PKI        *pki.Material
	Tokens     *auth.Tokens
	AdminToken string
	// Kubeconfig is the path of admin.kubeconfig.
	Kubeconfig string
}

// EnsureCredentials makes or loads the CA and serving certificate (for the
// default names plus sans) in dataDir/pki and the tokens file, and writes
// dataDir/admin.kubeconfig for serverURL (always, since the URL may have
// changed; the CA and token in it stay the same across restarts).
func EnsureCredentials(dataDir string, sans []string, serverURL string, now time.Time) (*Credentials, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	m, err := pki.Ensure(filepath.Join(dataDir, "pki"), sans, now)
	if err != nil {
		return nil, err
	}
	toks, admin, err := auth.EnsureTokens(filepath.Join(dataDir, TokensFile))
	if err != nil {
		return nil, err
	}
	if admin == "" {
		return nil, fmt.Errorf("%s has no user in %s: the admin kubeconfig needs one", filepath.Join(dataDir, TokensFile), auth.MastersGroup)
	}
	c := &Credentials{PKI: m, Tokens: toks, AdminToken: admin, Kubeconfig: filepath.Join(dataDir, KubeconfigFile)}
	data, err := Kubeconfig(serverURL, m.CAPEM, admin)
	if err != nil {
		return nil, err
	}
	if err := pki.WriteFileAtomic(c.Kubeconfig, data, 0o600); err != nil {
		return nil, err
	}
	return c, nil
}

// Kubeconfig returns a kubeconfig (YAML) with one cluster "capstan" at
// serverURL trusting caPEM (none for a plain-HTTP URL), one user "admin"
// with token, and the context "capstan" joining them, current, in the
// namespace default.
func Kubeconfig(serverURL string, caPEM []byte, token string) ([]byte, error) {
	const name = "capstan"
	kc := client.Kubeconfig{
		APIVersion:     "v1",
		Kind:           "Config",
		CurrentContext: name,
		Clusters:       []client.NamedCluster{{Name: name, Cluster: client.Cluster{Server: serverURL, CertificateAuthorityData: caPEM}}},
		Users:          []client.NamedUser{{Name: auth.AdminUser, User: client.User{Token: token}}},
		Contexts:       []client.NamedContext{{Name: name, Context: client.Context{Cluster: name, User: auth.AdminUser, Namespace: "default"}}},
	}
	out, err := yaml.Marshal(kc)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return out, nil
}
