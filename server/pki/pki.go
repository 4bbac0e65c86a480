package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// File names inside the pki directory.
const (
	CACertFile      = "ca.crt"
	CAKeyFile       = "ca.key"
	ServingCertFile = "serving.crt"
	ServingKeyFile  = "serving.key"
)

// Lifetimes of what Ensure makes, and how close to expiry a serving
// certificate is made again.
const (
	CALifetime      = 10 * 365 * 24 * time.Hour
	ServingLifetime = 365 * 24 * time.Hour
	RenewBefore     = 30 * 24 * time.Hour
)

// Material is the loaded TLS material.
type Material struct {
	// Dir is the directory the files live in.
	Dir string
	// CA is the CA certificate; CAPEM the same in PEM, for a kubeconfig's
	// certificate-authority-data.
	CA    *x509.Certificate
	CAPEM []byte
	// Serving is the serving certificate and key, ready for a tls.Config.
	Serving tls.Certificate
	// Created lists the files Ensure wrote this time (for the log).
	Created []string
}

// Ensure loads the CA and serving certificate from dir, creating the
// directory, the CA and a serving certificate for the default names plus
// sans as needed (see the package documentation). now is the clock's time.
func Ensure(dir string, sans []string, now time.Time) (*Material, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	m := &Material{Dir: dir}
	caCert, caKey, err := m.ensureCA(now)
	if err != nil {
		return nil, err
	}
	hosts := Hosts(sans)
	cert, err := m.loadServing(caCert, hosts, now)
	if err != nil {
		return nil, err
	}
	if cert == nil {
		if cert, err = m.makeServing(caCert, caKey, hosts, now); err != nil {
			return nil, err
		}
	}
	m.CA = caCert
	m.CAPEM = pemCert(caCert.Raw)
	m.Serving = *cert
	return m, nil
}

// Hosts returns the names a serving certificate is for: 127.0.0.1, ::1,
// localhost, the hostname (if it has one) and extra, without duplicates.
func Hosts(extra []string) []string {
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	if h, err := os.Hostname(); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	for _, s := range extra {
		if s != "" && !slices.Contains(hosts, s) {
			hosts = append(hosts, s)
		}
	}
	return hosts
}

func (m *Material) path(name string) string { return filepath.Join(m.Dir, name) }

// ensureCA loads the CA, or makes one if neither of its files exists.
func (m *Material) ensureCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	pair, err := tls.LoadX509KeyPair(m.path(CACertFile), m.path(CAKeyFile))
	if err == nil {
		cert, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, nil, fmt.Errorf("pki: %s: %w", m.path(CACertFile), err)
		}
		key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
		if !ok || !cert.IsCA {
			return nil, nil, fmt.Errorf("pki: %s is not an ECDSA certificate authority", m.path(CACertFile))
		}
		return cert, key, nil
	}
	if exists(m.path(CACertFile)) || exists(m.path(CAKeyFile)) {
		return nil, nil, fmt.Errorf("pki: loading the CA (remove both %s and %s to make a new one, which invalidates every kubeconfig): %w",
			CACertFile, CAKeyFile, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "capstan-ca", Organization: []string{"capstan"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: CA certificate: %w", err)
	}
	if err := m.write(CACertFile, CAKeyFile, der, key); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	return cert, key, nil
}

// loadServing returns the serving certificate on disk if it is usable for
// hosts: signed by ca, covering every host, not expiring soon. nil (and no
// error) means make a new one.
func (m *Material) loadServing(ca *x509.Certificate, hosts []string, now time.Time) (*tls.Certificate, error) {
	pair, err := tls.LoadX509KeyPair(m.path(ServingCertFile), m.path(ServingKeyFile))
	if err != nil {
		return nil, nil // missing, unreadable or mismatched: make a new one
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil || leaf.CheckSignatureFrom(ca) != nil || now.Add(RenewBefore).After(leaf.NotAfter) {
		return nil, nil
	}
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return nil, nil
		}
	}
	pair.Leaf = leaf
	return &pair, nil
}

// makeServing signs a new serving certificate for hosts.
func (m *Material) makeServing(ca *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "capstan-apiserver", Organization: []string{"capstan"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(ServingLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("pki: serving certificate: %w", err)
	}
	if err := m.write(ServingCertFile, ServingKeyFile, der, key); err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(pemCert(der), pemKey(key))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	pair.Leaf, err = x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return &pair, nil
}

// write stores a certificate (0644) and its key (0600), each atomically.
func (m *Material) write(certName, keyName string, der []byte, key *ecdsa.PrivateKey) error {
	if err := WriteFileAtomic(m.path(keyName), pemKey(key), 0o600); err != nil {
		return err
	}
	if err := WriteFileAtomic(m.path(certName), pemCert(der), 0o644); err != nil {
		return err
	}
	m.Created = append(m.Created, certName, keyName)
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so a crash never leaves a half-written file; the
// file has mode perm from its creation on.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// CertPool returns a pool holding the CA, for clients.
func (m *Material) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(m.CA)
	return pool
}

// ServerTLSConfig returns a TLS configuration serving the certificate
// (TLS 1.2 and later, HTTP/2 and HTTP/1.1).
func (m *Material) ServerTLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{m.Serving},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("pki: crypto/rand failed: " + err.Error()) // crypto/rand never fails on Linux
	}
	return n.Add(n, big.NewInt(1))
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func pemKey(key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic("pki: marshal an ECDSA P-256 key: " + err.Error()) // cannot fail for P-256
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
