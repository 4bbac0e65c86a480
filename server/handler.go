package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/capstan-dev/capstan/server/apiserver"
	"github.com/capstan-dev/capstan/server/auth"
)

// tokenAuthenticator is apiserver's Authenticator over the tokens file.
type tokenAuthenticator struct{ tokens *auth.Tokens }

var errNoToken = errors.New("a valid bearer token is required (Authorization: Bearer <token>; the admin's is in admin.kubeconfig)")

func (a tokenAuthenticator) Authenticate(r *http.Request) (apiserver.UserInfo, error) {
	u, ok := a.tokens.AuthenticateToken(auth.BearerToken(r.Header.Get("Authorization")))
	if !ok {
		return apiserver.UserInfo{}, errNoToken
	}
	return apiserver.UserInfo{Name: u.Name, UID: u.UID, Groups: u.Groups}, nil
}

// authorizer is apiserver's Authorizer over auth's seam.
type authorizer struct{ auth.MastersOnly }

func (z authorizer) Authorize(_ context.Context, u apiserver.UserInfo, a apiserver.Attributes) (bool, string, error) {
	d := z.MastersOnly.Authorize(auth.Attributes{
		User: auth.User{Name: u.Name, UID: u.UID, Groups: u.Groups},
		Verb: a.Verb, APIGroup: a.APIGroup, Resource: a.Resource, Subresource: a.Subresource,
		Namespace: a.Namespace, Name: a.Name, Path: a.Path,
	})
	return d.Allowed, d.Reason, nil
}
