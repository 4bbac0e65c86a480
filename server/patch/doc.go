// Package patch applies the three Kubernetes patch types to an object's
// JSON, as pure functions: no I/O, no clock, no state but a cache of the
// struct fields of core/api's types.
//
//	Apply(kind, contentType, original, patch) → patched JSON | *api.StatusError
//	ThreeWay(kind, lastApplied, modified, live) → the patch kubectl apply sends
//
// The API server's PATCH handler reads the object, calls Apply, decodes
// the result as it would a PUT body (strictly or not), and writes it with
// the original's resourceVersion.
//
// # Supported
//
//   - application/json-patch+json (RFC 6902): add, remove, replace, move,
//     copy, test, on RFC 6901 pointers (~0 and ~1 escapes, "-" for the end
//     of an array). As in Kubernetes, a negative index counts from the end.
//     Every operation is checked before any applies; at most
//     MaxJSONPatchOperations operations, and copies may add at most
//     MaxCopyBytes.
//   - application/merge-patch+json (RFC 7386): objects merge, null
//     deletes, everything else (lists too) replaces.
//   - application/strategic-merge-patch+json: what kubectl patch sends by
//     default and kubectl apply (client-side) always sends. Lists merge by
//     the key Kubernetes declares for the same field (Rules: containers,
//     initContainers, env, volumes, a service account's secrets by name;
//     ports by containerPort, service ports by port, volumeMounts by mountPath,
//     ownerReferences by uid, conditions and node addresses by type,
//     podIPs by ip, topologySpreadConstraints by topologyKey); finalizers
//     and podCIDRs merge as sets; every other list (tolerations, taints,
//     args, ...) is replaced. Directives: $patch replace, delete and merge
//     in objects; {"$patch": "replace"} and {key, "$patch": "delete"} as
//     list elements; $retainKeys; $deleteFromPrimitiveList/<field>;
//     $setElementOrder/<field>. Merged lists are ordered as Kubernetes
//     orders them: the patch's elements in the patch's order (or the
//     $setElementOrder list's), the server's other elements in theirs, a
//     new element before the server's elements that follow it.
//
// Errors are core/api Status errors: 400 for a malformed patch, 409 for a
// failed JSON patch test, 413 for a patch too large to apply, 415 for an
// unknown patch type (ContentTypes lists the known ones, for discovery and
// for the message), 422 for a JSON patch operation that cannot apply or a
// $retainKeys list that does not cover the patch, 500 only for an original
// that is not a JSON object. Apply never panics (FuzzApply).
//
// ThreeWay computes the patch client-side kubectl apply sends, from the
// last applied configuration, the new one and the live object: the same
// JSON as kubectl's for the cases of testdata/threeway.txt and for
// generated Pods (checked against kubectl apply itself with -kubectl), so
// a capstan CLI applies as kubectl does. As kubectl's default
// --overwrite, it reports no conflicts. One difference on purpose: where
// a list merged as a set (finalizers) is reordered into sorted order,
// kubectl loses the new order and ThreeWay keeps it. The merge-key table
// is exported too (Rules, SchemaFor, Schema.Field) for other code that
// walks objects as the server merges them.
//
// # Not supported
//
//   - Server-side apply (application/apply-patch+yaml): 415, with a
//     message that says so. There are no managed fields.
//   - Strategic merge patch of a kind core/api does not know: 415, as
//     Kubernetes answers for custom resources.
//
// # Where capstan differs from Kubernetes on purpose
//
// testdata's cases marked "differs" say how; `go test ./server/patch
// -kubectl` checks every other case against kubectl patch --local, which
// runs Kubernetes' own code.
//
//   - JSON patch follows the RFCs where Kubernetes' library is lenient: a
//     pointer must start with "/", "~" must be followed by 0 or 1, indices
//     have no leading zeros, add, replace and test need a value.
//   - Strategic merge patch refuses what Kubernetes ignores or panics on: a
//     malformed $deleteFromPrimitiveList or $retainKeys, an unknown
//     "$..." directive, a merge key that is an object or array.
//   - A new element of a keyed list has its own directives applied (to
//     nothing) instead of being stored as sent; {"$patch": "replace"} works
//     in lists of primitives too.
//   - Where a keyed list both loses and gains elements under a
//     $setElementOrder list, the server's elements may sit in another place
//     among the new ones: Kubernetes' order there depends on a list its
//     merge rewrites in place.
//   - Primitive lists merged as sets keep the first occurrence of each
//     value, in order.
package patch
