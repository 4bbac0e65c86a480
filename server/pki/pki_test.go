package pki_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/capstan-dev/capstan/server/pki"
)

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The first Ensure makes a CA and a serving certificate for the default
// names and the extra SANs, keys 0600; the second reuses both.
func TestEnsureCreatesThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	now := time.Now()
	m, err := pki.Ensure(dir, []string{"api.example.test", "10.1.2.3"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Created) != 4 {
		t.Fatalf("Created = %v, want the four files", m.Created)
	}
	for _, f := range []string{pki.CAKeyFile, pki.ServingKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	leaf := m.Serving.Leaf
	for _, h := range []string{"127.0.0.1", "::1", "localhost", "api.example.test", "10.1.2.3"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("serving certificate: %v", err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: m.CertPool(), DNSName: "localhost"}); err != nil {
		t.Errorf("serving certificate does not chain to the CA: %v", err)
	}
	if pub, ok := m.CA.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() || !m.CA.IsCA {
		t.Errorf("CA: key %T, IsCA %v; want an ECDSA P-256 CA", m.CA.PublicKey, m.CA.IsCA)
	}

	caBefore, servingBefore := read(t, filepath.Join(dir, pki.CACertFile)), read(t, filepath.Join(dir, pki.ServingCertFile))
	m2, err := pki.Ensure(dir, []string{"api.example.test"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Created) != 0 {
		t.Errorf("second Ensure created %v, want nothing", m2.Created)
	}
	if string(read(t, filepath.Join(dir, pki.CACertFile))) != string(caBefore) ||
		string(read(t, filepath.Join(dir, pki.ServingCertFile))) != string(servingBefore) {
		t.Error("second Ensure changed the files")
	}
	if string(m2.CAPEM) != string(caBefore) {
		t.Error("CAPEM is not the CA file")
	}
}

// A new SAN or a certificate close to expiry makes a new serving
// certificate signed by the same CA.
func TestEnsureRenewsServing(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	m, err := pki.Ensure(dir, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := pki.Ensure(dir, []string{"new.example.test"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m2.Created, []string{pki.ServingCertFile, pki.ServingKeyFile}) {
		t.Fatalf("Created = %v, want only the serving pair", m2.Created)
	}
	if err := m2.Serving.Leaf.VerifyHostname("new.example.test"); err != nil {
		t.Error(err)
	}
	if !m2.CA.Equal(m.CA) {
		t.Error("the CA changed")
	}
	m3, err := pki.Ensure(dir, []string{"new.example.test"}, now.Add(pki.ServingLifetime-pki.RenewBefore+time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(m3.Created) != 2 || !m3.CA.Equal(m.CA) {
		t.Errorf("near expiry: Created = %v (CA kept: %v), want a new serving pair", m3.Created, m3.CA.Equal(m.CA))
	}
}

// A CA that does not load is an error, not silently replaced.
func TestEnsureRefusesBrokenCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := pki.Ensure(dir, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, pki.CAKeyFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := pki.Ensure(dir, nil, time.Now()); err == nil {
		t.Fatal("Ensure with a broken CA key succeeded")
	}
}

// The serving configuration completes a TLS handshake with a client that
// trusts only the CA.
func TestServerTLSConfigHandshake(t *testing.T) {
	m, err := pki.Ensure(t.TempDir(), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", m.ServerTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: m.CertPool(), ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.Close()
}
