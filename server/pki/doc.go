// Package pki makes and keeps the server's TLS material in its data dir: a
// certificate authority and a serving certificate signed by it.
//
//	data-dir/pki/
//	  ca.crt        the CA certificate (ECDSA P-256, 10 years); clients trust it
//	  ca.key        its private key (0600)
//	  serving.crt   the API server's certificate (ECDSA P-256, 1 year), signed by the CA,
//	  serving.key   for 127.0.0.1, ::1, localhost, the hostname and any extra SANs (0600)
//
// Ensure creates what is missing and reuses what is there, so a restarted
// server keeps its CA (and every kubeconfig that trusts it stays valid). The
// serving certificate is made again, with the same CA, when it does not
// cover the names asked for, expires within 30 days, or was not signed by
// the CA on disk. A CA that fails to load is an error, never silently
// replaced: replacing it would break every client that trusts it.
package pki
