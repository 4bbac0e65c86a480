package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/capstan-dev/capstan/server/apiserver"
)

// User is an authenticated identity.
type User struct {
	Name   string
	UID    string
	Groups []string
}

// The admin written into a new tokens file.
const (
	AdminUser    = "admin"
	MastersGroup = "system:masters"
)

// Tokens authenticates bearer tokens against a tokens file's contents.
// It is immutable once loaded and safe for concurrent use.
type Tokens struct {
	byHash map[[sha256.Size]byte]User
}

// EnsureTokens loads the tokens file at path, first writing one with a new
// admin token (mode 0600) if there is none. It returns the admin token: the
// first line's whose user is in system:masters.
func EnsureTokens(path string) (*Tokens, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		tok, err := NewToken()
		if err != nil {
			return nil, "", err
		}
		line := fmt.Sprintf("%s,%s,%s,%q\n", tok, AdminUser, AdminUser, MastersGroup)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, "", fmt.Errorf("tokens file: %w", err)
		}
		_, err = f.WriteString(line)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, "", fmt.Errorf("tokens file: %w", err)
		}
		data = []byte(line)
	} else if err != nil {
		return nil, "", fmt.Errorf("tokens file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("tokens file %s is readable by others (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	t, admin, err := ParseTokens(data)
	if err != nil {
		return nil, "", fmt.Errorf("tokens file %s: %w", path, err)
	}
	return t, admin, nil
}

// ParseTokens parses a tokens file's contents. Blank lines and lines
// starting with # are ignored. It returns the token of the first user in
// system:masters ("" if none).
func ParseTokens(data []byte) (*Tokens, string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	t := &Tokens{byHash: map[[sha256.Size]byte]User{}}
	admin := ""
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		line, _ := r.FieldPos(0)
		if len(rec) < 3 {
			return nil, "", fmt.Errorf("line %d: want token,user,uid[,\"groups\"], got %d fields", line, len(rec))
		}
		tok, name := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if tok == "" || name == "" {
			return nil, "", fmt.Errorf("line %d: empty token or user", line)
		}
		u := User{Name: name, UID: strings.TrimSpace(rec[2])}
		if len(rec) > 3 && rec[3] != "" {
			for _, g := range strings.Split(rec[3], ",") {
				if g = strings.TrimSpace(g); g != "" {
					u.Groups = append(u.Groups, g)
				}
			}
		}
		h := sha256.Sum256([]byte(tok))
		if _, dup := t.byHash[h]; dup {
			return nil, "", fmt.Errorf("line %d: duplicate token", line)
		}
		t.byHash[h] = u
		if admin == "" && u.InGroup(MastersGroup) {
			admin = tok
		}
	}
	return t, admin, nil
}

// NewToken returns a new random token: 32 bytes from crypto/rand,
// base64url without padding (43 characters).
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

var errNoToken = errors.New("a valid bearer token is required (Authorization: Bearer <token>; the admin's is in admin.kubeconfig)")

var _ apiserver.Authenticator = (*Tokens)(nil)

// Authenticate implements apiserver.Authenticator: the user of the
// request's bearer token, or an error (401 Unauthorized).
func (t *Tokens) Authenticate(r *http.Request) (apiserver.UserInfo, error) {
	u, ok := t.AuthenticateToken(BearerToken(r.Header.Get("Authorization")))
	if !ok {
		return apiserver.UserInfo{}, errNoToken
	}
	return apiserver.UserInfo{Name: u.Name, UID: u.UID, Groups: u.Groups}, nil
}

// AuthenticateToken returns the user a token belongs to.
func (t *Tokens) AuthenticateToken(token string) (User, bool) {
	if token == "" {
		return User{}, false
	}
	u, ok := t.byHash[sha256.Sum256([]byte(token))]
	return u, ok
}

// Len returns the number of tokens.
func (t *Tokens) Len() int { return len(t.byHash) }

// InGroup reports whether u is a member of group.
func (u User) InGroup(group string) bool {
	for _, g := range u.Groups {
		if g == group {
			return true
		}
	}
	return false
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header value, or "".
func BearerToken(header string) string {
	const prefix = "bearer "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(header[len(prefix):])
}
