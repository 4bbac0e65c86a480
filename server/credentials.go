package server

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"

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

// kubeconfig is the subset of kubectl's Config (clientcmd/api/v1) written
// for the admin.
type kubeconfig struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	Clusters       []namedCluster `json:"clusters"`
	Users          []namedUser    `json:"users"`
	Contexts       []namedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
	Preferences    struct{}       `json:"preferences"`
}

type namedCluster struct {
	Name    string `json:"name"`
	Cluster struct {
		Server                   string `json:"server"`
		CertificateAuthorityData string `json:"certificate-authority-data,omitempty"`
	} `json:"cluster"`
}

type namedUser struct {
	Name string `json:"name"`
	User struct {
		Token string `json:"token,omitempty"`
	} `json:"user"`
}

type namedContext struct {
	Name    string `json:"name"`
	Context struct {
		Cluster   string `json:"cluster"`
		User      string `json:"user"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"context"`
}

// Kubeconfig returns a kubeconfig (YAML) with one cluster "capstan" at
// serverURL trusting caPEM (none for a plain-HTTP URL), one user "admin"
// with token, and the context "capstan" joining them, current.
func Kubeconfig(serverURL string, caPEM []byte, token string) ([]byte, error) {
	const name = "capstan"
	kc := kubeconfig{APIVersion: "v1", Kind: "Config", CurrentContext: name}
	var c namedCluster
	c.Name = name
	c.Cluster.Server = serverURL
	if len(caPEM) > 0 {
		c.Cluster.CertificateAuthorityData = base64.StdEncoding.EncodeToString(caPEM)
	}
	var u namedUser
	u.Name = auth.AdminUser
	u.User.Token = token
	var x namedContext
	x.Name = name
	x.Context.Cluster, x.Context.User, x.Context.Namespace = name, auth.AdminUser, "default"
	kc.Clusters, kc.Users, kc.Contexts = []namedCluster{c}, []namedUser{u}, []namedContext{x}
	out, err := yaml.Marshal(kc)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return out, nil
}
