package auth

// Attributes describe a request for authorization, in Kubernetes' terms.
type Attributes struct {
	User User
	// Verb is get, list, watch, create, update, patch, delete,
	// deletecollection (resource requests), or the HTTP method in lower
	// case for other paths.
	Verb string
	// APIGroup ("" for the core group), Resource, Subresource, Namespace
	// and Name name the object of a resource request; Path is the URL
	// path of any request.
	APIGroup, Resource, Subresource, Namespace, Name string
	Path                                             string
}

// Decision is an Authorizer's verdict: allowed or not, and why.
type Decision struct {
	Allowed bool
	Reason  string
}

// MastersOnly is the authorizer until the authorization issue replaces it:
// members of system:masters (the admin of the tokens file) may do
// everything; anybody else is refused, and told that finer rules do not
// exist yet.
type MastersOnly struct{}

// Authorize implements the seam.
func (MastersOnly) Authorize(a Attributes) Decision {
	if a.User.InGroup(MastersGroup) {
		return Decision{Allowed: true, Reason: "member of " + MastersGroup}
	}
	return Decision{Reason: "user " + a.User.Name + " is not in " + MastersGroup +
		" and capstan has no finer authorization rules yet"}
}
