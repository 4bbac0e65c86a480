package server

import (
	"crypto/tls"
	"net"
	"path/filepath"

	"github.com/capstan-dev/capstan/server/pki"
)

func tlsListener(ln net.Listener, cfg *tls.Config) net.Listener { return tls.NewListener(ln, cfg) }

// writeInsecureKubeconfig writes admin.kubeconfig for a plain-HTTP server:
// no CA; the token stays (harmless, and right if the server is restarted
// with TLS).
func (s *Server) writeInsecureKubeconfig() error {
	data, err := Kubeconfig(s.URL, nil, s.AdminToken)
	if err != nil {
		return err
	}
	return pki.WriteFileAtomic(filepath.Join(s.cfg.DataDir, KubeconfigFile), data, 0o600)
}
