package auth_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/auth"
)

// A new tokens file holds one admin with a fresh 43-character token, mode
// 0600; loading it again gives the same token.
func TestEnsureTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	toks, admin, err := auth.EnsureTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(admin) != 43 || toks.Len() != 1 {
		t.Fatalf("admin token %q (%d tokens), want one 43-character token", admin, toks.Len())
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v, want 0600", st.Mode().Perm())
	}
	u, ok := toks.AuthenticateToken(admin)
	if !ok || u.Name != auth.AdminUser || !u.InGroup(auth.MastersGroup) {
		t.Errorf("admin token authenticates as %+v, %v", u, ok)
	}
	if _, ok := toks.AuthenticateToken(admin[:42]); ok {
		t.Error("a prefix of the token authenticates")
	}
	if _, ok := toks.AuthenticateToken(""); ok {
		t.Error("the empty token authenticates")
	}
	_, again, err := auth.EnsureTokens(path)
	if err != nil || again != admin {
		t.Fatalf("second load: %q, %v; want the same admin token", again, err)
	}
	_, other, err := auth.EnsureTokens(filepath.Join(t.TempDir(), "tokens"))
	if err != nil || other == admin {
		t.Fatalf("another data dir got token %q (%v); want a different one", other, err)
	}
}

// A tokens file others can read is refused.
func TestEnsureTokensRefusesOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	if _, _, err := auth.EnsureTokens(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.EnsureTokens(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("EnsureTokens on a 0644 file: %v, want a refusal", err)
	}
}

func TestParseTokens(t *testing.T) {
	toks, admin, err := auth.ParseTokens([]byte(`# comment
t1,alice,u1
t2,bob,u2,"system:masters,dev"

t3, carol , u3,"  ops ,, x"
`))
	if err != nil {
		t.Fatal(err)
	}
	if admin != "t2" || toks.Len() != 3 {
		t.Fatalf("admin %q, %d tokens", admin, toks.Len())
	}
	u, ok := toks.AuthenticateToken("t3")
	if !ok || u.Name != "carol" || u.UID != "u3" || strings.Join(u.Groups, "|") != "ops|x" {
		t.Errorf("t3 = %+v, %v", u, ok)
	}
	for _, bad := range []string{"t1,alice\n", "t1,a,1\nt1,b,2\n", ",alice,1\n", "t,\"unclosed,1\n"} {
		if _, _, err := auth.ParseTokens([]byte(bad)); err == nil {
			t.Errorf("ParseTokens(%q) succeeded", bad)
		}
	}
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc": "abc", "bearer abc ": "abc", "Basic abc": "", "Bearer": "", "": "", "BEARER  x": "x",
	} {
		if got := auth.BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMastersOnly(t *testing.T) {
	var a auth.MastersOnly
	ctx := context.Background()
	if ok, why, err := a.Authorize(ctx, apiserver.UserInfo{Name: "admin", Groups: []string{auth.MastersGroup}}, apiserver.Attributes{Verb: "delete"}); !ok || err != nil {
		t.Errorf("admin refused: %s %v", why, err)
	}
	if ok, why, err := a.Authorize(ctx, apiserver.UserInfo{Name: "node-1"}, apiserver.Attributes{Verb: "get"}); ok || err != nil || !strings.Contains(why, "node-1") {
		t.Errorf("node-1: %v %q %v, want refused with a reason naming it", ok, why, err)
	}
}

// Authenticate reads the bearer token of a request.
func TestAuthenticate(t *testing.T) {
	toks, admin, err := auth.ParseTokens([]byte("tok,admin,1,\"system:masters\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api", nil)
	if _, err := toks.Authenticate(r); err == nil {
		t.Error("no header authenticated")
	}
	r.Header.Set("Authorization", "Bearer "+admin)
	if u, err := toks.Authenticate(r); err != nil || u.Name != "admin" || len(u.Groups) != 1 {
		t.Errorf("admin: %+v, %v", u, err)
	}
}
