package auth

import (
	"context"

	"github.com/capstan-dev/capstan/server/apiserver"
)

// MastersOnly is the authorizer until the authorization issue replaces it:
// members of system:masters (the admin of the tokens file) may do
// everything; anybody else is refused, and told that finer rules do not
// exist yet. It implements apiserver.Authorizer.
type MastersOnly struct{}

var _ apiserver.Authorizer = MastersOnly{}

// Authorize implements apiserver.Authorizer.
func (MastersOnly) Authorize(_ context.Context, u apiserver.UserInfo, _ apiserver.Attributes) (bool, string, error) {
	for _, g := range u.Groups {
		if g == MastersGroup {
			return true, "", nil
		}
	}
	return false, "user " + u.Name + " is not in " + MastersGroup + " and capstan has no finer authorization rules yet", nil
}
