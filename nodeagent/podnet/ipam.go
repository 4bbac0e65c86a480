package podnet

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ipam hands out the pod range's addresses, one file per address in its
// directory (named by the address, holding the pod's uid), so that the
// allocations outlive the agent. The first address is the bridge's, the
// last the range's broadcast address; neither is handed out. Addresses
// go round the range (the next after the last given), so that a freed
// address is not reused at once.
type ipam struct {
	dir    string
	prefix netip.Prefix

	mu    sync.Mutex
	byUID map[string]netip.Addr
	used  map[netip.Addr]bool
	last  netip.Addr
}

// loadIPAM reads the allocations recorded in dir.
func loadIPAM(dir string, prefix netip.Prefix) (*ipam, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("podnet: %w", err)
	}
	prefix = prefix.Masked()
	m := &ipam{dir: dir, prefix: prefix, byUID: map[string]netip.Addr{}, used: map[netip.Addr]bool{}, last: prefix.Addr()}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("podnet: %w", err)
	}
	for _, e := range ents {
		ip, err := netip.ParseAddr(e.Name())
		if err != nil || !prefix.Contains(ip) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("podnet: %w", err)
		}
		m.byUID[strings.TrimSpace(string(b))] = ip
		m.used[ip] = true
		if m.last.Less(ip) {
			m.last = ip
		}
	}
	return m, nil
}

// get returns uid's address, if it has one.
func (m *ipam) get(uid string) (netip.Addr, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ip, ok := m.byUID[uid]
	return ip, ok
}

// allocate returns uid's address, giving it one if it has none.
func (m *ipam) allocate(uid string) (netip.Addr, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ip, ok := m.byUID[uid]; ok {
		return ip, nil
	}
	gw := m.prefix.Addr().Next()
	size := 1 << (m.prefix.Addr().BitLen() - m.prefix.Bits()) // New allows /8 to /30
	ip := m.last
	for range size {
		ip = m.next(ip)
		if ip == gw || m.used[ip] {
			continue
		}
		f, err := os.OpenFile(filepath.Join(m.dir, ip.String()), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue // recorded by someone else meanwhile
		} else if err != nil {
			return netip.Addr{}, fmt.Errorf("podnet: %w", err)
		}
		_, err = f.WriteString(uid)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			return netip.Addr{}, fmt.Errorf("podnet: %w", err)
		}
		m.byUID[uid], m.used[ip], m.last = ip, true, ip
		return ip, nil
	}
	return netip.Addr{}, fmt.Errorf("podnet: no address left in %s", m.prefix)
}

// next is the address after ip in the range, skipping the network and
// broadcast addresses.
func (m *ipam) next(ip netip.Addr) netip.Addr {
	n := ip.Next()
	if !m.prefix.Contains(n) || !m.prefix.Contains(n.Next()) { // past the end, or the broadcast address
		n = m.prefix.Addr().Next()
	}
	return n
}

// release gives uid's address back. A uid without one is not an error.
func (m *ipam) release(uid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ip, ok := m.byUID[uid]
	if !ok {
		return nil
	}
	if err := os.Remove(filepath.Join(m.dir, ip.String())); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("podnet: %w", err)
	}
	delete(m.byUID, uid)
	delete(m.used, ip)
	return nil
}
