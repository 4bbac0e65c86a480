// Package api defines capstan's objects: a compact, Kubernetes-compatible
// subset of the Kubernetes object model.
//
// The types here are capstan's own, not k8s.io/api, so that the core stays
// small enough to run in a browser as WebAssembly. Their JSON field names
// follow Kubernetes exactly, so real manifests, kubectl and client-go work
// against them.
//
// Every kind embeds TypeMeta (apiVersion, kind) and ObjectMeta (metadata),
// and so satisfies Object. The package also holds what every layer needs to
// treat objects uniformly:
//
//   - decoding of multi-document YAML and JSON manifests (decode.go),
//   - resource quantities parsed exactly as Kubernetes parses them (quantity.go),
//   - timestamps without the time package (time.go): core never reads a clock,
//   - defaulting (defaults.go) and validation with field paths (validation*.go),
//   - deep copies (copy.go) so that stores and mirrors never share memory.
//
// Nothing here performs I/O or reads the clock.
package api
