// Package auth is who may talk to the API server: bearer tokens from a
// tokens file (authentication) and the authorizer seam.
//
// # Tokens
//
// The tokens file has kube-apiserver's --token-auth-file format, one user
// per line:
//
//	token,user,uid,"group1,group2"
//
// On first start the server writes data-dir/tokens (mode 0600) with one
// line: a 256-bit token from crypto/rand for the user "admin" in the group
// "system:masters", and reuses it afterwards. Tokens are looked up by their
// SHA-256, so the lookup takes no time that depends on how much of a guess
// was right. A request without a valid "Authorization: Bearer" header is
// answered 401 Unauthorized, except for the health and version endpoints
// (the API server decides which paths are public).
//
// # Authorization
//
// Tokens implements apiserver.Authenticator and MastersOnly
// apiserver.Authorizer. The authorizer is the seam the authorization issue
// fills (per-node credentials for node agents, roles): replace MastersOnly
// in the server's apiserver.Config. Today members of system:masters may do
// everything, everybody else nothing, with a reason that says so.
package auth
