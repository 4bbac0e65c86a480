package apiserver

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	"github.com/capstan-dev/capstan/core/api"
)

// Patch content types.
const (
	jsonPatchType      = "application/json-patch+json"
	mergePatchType     = "application/merge-patch+json"
	strategicPatchType = "application/strategic-merge-patch+json"
	applyPatchType     = "application/apply-patch+yaml"
)

var patchTypes = []string{jsonPatchType, mergePatchType, strategicPatchType}

// patchAttempts bounds the retries of a patch that lost a race with
// another writer (Kubernetes' GuaranteedUpdate retries likewise).
const patchAttempts = 5

// patchContentType returns the request's patch type, or a 415.
func patchContentType(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, t := range patchTypes {
			if mt == t {
				return mt, nil
			}
		}
	}
	se := newUnsupportedMediaType(ct, patchTypes)
	if mt == applyPatchType {
		se.ErrStatus.Message = "server-side apply (" + applyPatchType + ") is not supported; use client-side apply. " + se.ErrStatus.Message
	}
	return "", se
}

// servePatch answers a PATCH of an object or of its status: the patch is
// applied to the stored object's JSON, the result decoded as a PUT body and
// written with a compare-and-swap on the version it was applied to; a lost
// race is retried unless the patch itself named a resourceVersion.
func (s *server) servePatch(req *request) {
	ws, ok := s.startWrite(req)
	if !ok {
		return
	}
	pt, err := patchContentType(req.r)
	if err != nil {
		s.fail(req, err)
		return
	}
	fv, err := fieldValidationParam(req.query)
	if err != nil {
		s.fail(req, err)
		return
	}
	body, err := readBody(req.r, req.w, s.cfg.MaxBodyBytes)
	if err != nil {
		s.fail(req, err)
		return
	}
	update := ws.reg.Update
	if req.ri.subresource == "status" {
		update = ws.reg.UpdateStatus
	}
	ri := req.ri
	for attempt := 1; ; attempt++ {
		cur, err := s.backend.Get(ri.objectKey())
		if err != nil {
			s.fail(req, err)
			return
		}
		orig, err := json.Marshal(cur)
		if err != nil {
			s.fail(req, api.NewInternalError(err))
			return
		}
		patched, err := applyPatch(ri.kind.Kind, pt, orig, body)
		if err != nil {
			s.fail(req, err)
			return
		}
		obj, err := decodeObject(req.w, patched, ri.kind, fv)
		if err != nil {
			s.fail(req, err)
			return
		}
		if err := checkPatched(ri, obj); err != nil {
			s.fail(req, err)
			return
		}
		curRV := cur.GetObjectMeta().ResourceVersion
		m := obj.GetObjectMeta()
		named := m.ResourceVersion != "" && m.ResourceVersion != curRV
		if m.ResourceVersion == "" {
			m.ResourceVersion = curRV
		}
		updated, err := update(obj, s.now())
		if api.IsConflict(err) && !named && attempt < patchAttempts {
			continue
		}
		if err != nil {
			s.fail(req, err)
			return
		}
		writeJSON(req.w, http.StatusOK, updated, ws.out)
		return
	}
}

// checkPatched refuses a patch that moved the object: its name and
// namespace are those of the path.
func checkPatched(ri *requestInfo, obj api.Object) error {
	m := obj.GetObjectMeta()
	if m.Name != ri.name {
		return api.NewBadRequest(fmt.Sprintf("the patch would change metadata.name from %q to %q: the name of an object cannot change", ri.name, m.Name))
	}
	if m.Namespace != ri.namespace {
		return api.NewBadRequest(fmt.Sprintf("the patch would change metadata.namespace from %q to %q: the namespace of an object cannot change", ri.namespace, m.Namespace))
	}
	return nil
}

// strategicMergeSupported says whether strategic merge patches are
// applied as Kubernetes does (not yet: see applyPatch).
const strategicMergeSupported = false

// applyPatch applies a patch of type pt to the JSON of an object of the
// kind.
//
// Until server/patch lands, a merge patch is applied by mergePatch and a
// strategic merge patch is approximated by it (lists replaced whole);
// JSON patches are refused.
func applyPatch(kind, pt string, orig, patch []byte) ([]byte, error) {
	switch pt {
	case mergePatchType, strategicPatchType:
		var o, p any
		if err := json.Unmarshal(orig, &o); err != nil {
			return nil, api.NewInternalError(err)
		}
		if err := json.Unmarshal(patch, &p); err != nil {
			return nil, api.NewBadRequest(describeJSONError(patch, err))
		}
		if _, ok := p.(map[string]any); !ok {
			return nil, api.NewBadRequest("a merge patch must be a JSON object")
		}
		return json.Marshal(mergePatch(o, p))
	}
	return nil, newUnsupportedMediaType(pt, []string{mergePatchType, strategicPatchType})
}

// mergePatch applies RFC 7386: objects merge key by key, null deletes,
// anything else replaces.
func mergePatch(orig, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	om, ok := orig.(map[string]any)
	if !ok {
		om = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(om, k)
			continue
		}
		om[k] = mergePatch(om[k], v)
	}
	return om
}
