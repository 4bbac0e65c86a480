package etcdserver

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// loopbackURL parses u, which must be http://<loopback IP>:<port>, or picks
// a free port on 127.0.0.1 when u is empty.
func loopbackURL(what, u string) (*url.URL, error) {
	if u == "" {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		return &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}, nil
	}
	p, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("etcdserver: %s URL: %w", what, err)
	}
	if p.Scheme != "http" || p.Port() == "" || p.Path != "" {
		return nil, fmt.Errorf("etcdserver: %s URL %q: want http://127.0.0.1:PORT", what, u)
	}
	if ip := net.ParseIP(p.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("etcdserver: %s URL %q: only loopback addresses are allowed", what, u)
	}
	return p, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("etcdserver: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
