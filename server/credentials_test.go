package server_test

import (
	"encoding/base64"
	"os"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/capstan-dev/capstan/server"
)

// The kubeconfig carries the CA, the server URL and the admin token; a
// second start keeps CA and token and rewrites the URL.
func TestEnsureCredentials(t *testing.T) {
	dir := t.TempDir()
	c, err := server.EnsureCredentials(dir, nil, "https://127.0.0.1:6443", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	kc := readKubeconfig(t, c.Kubeconfig)
	if kc.server != "https://127.0.0.1:6443" || kc.token != c.AdminToken || kc.ca != string(c.PKI.CAPEM) {
		t.Fatalf("kubeconfig server %q token %q ca %d bytes; want the credentials'", kc.server, kc.token, len(kc.ca))
	}
	if st, err := os.Stat(c.Kubeconfig); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	c2, err := server.EnsureCredentials(dir, nil, "https://127.0.0.1:7443", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	kc2 := readKubeconfig(t, c2.Kubeconfig)
	if kc2.server != "https://127.0.0.1:7443" || kc2.token != c.AdminToken || kc2.ca != kc.ca {
		t.Fatalf("after restart: server %q, same token %v, same CA %v", kc2.server, kc2.token == kc.token, kc2.ca == kc.ca)
	}
}

type kubeconfigView struct{ server, token, ca, context string }

func readKubeconfig(t *testing.T, path string) kubeconfigView {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kc struct {
		CurrentContext string `json:"current-context"`
		Clusters       []struct {
			Name    string
			Cluster struct {
				Server string
				CA     string `json:"certificate-authority-data"`
			}
		}
		Users []struct {
			Name string
			User struct{ Token string }
		}
		Contexts []struct {
			Name    string
			Context struct{ Cluster, User string }
		}
	}
	if err := yaml.Unmarshal(data, &kc); err != nil {
		t.Fatal(err)
	}
	if len(kc.Clusters) != 1 || len(kc.Users) != 1 || len(kc.Contexts) != 1 || kc.Contexts[0].Name != kc.CurrentContext ||
		kc.Contexts[0].Context.Cluster != kc.Clusters[0].Name || kc.Contexts[0].Context.User != kc.Users[0].Name {
		t.Fatalf("kubeconfig does not hang together:\n%s", data)
	}
	ca, err := base64.StdEncoding.DecodeString(kc.Clusters[0].Cluster.CA)
	if err != nil {
		t.Fatal(err)
	}
	return kubeconfigView{kc.Clusters[0].Cluster.Server, kc.Users[0].User.Token, string(ca), kc.CurrentContext}
}
