package apiserver

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/server/patch"
)

// Patch content types.
const (
	mergePatchType     = patch.MergePatchType
	strategicPatchType = patch.StrategicMergePatchType
)

// patchTypes are the Content-Types a PATCH may have.
var patchTypes = patch.ContentTypes

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
	return "", patch.NewUnsupportedMediaType(ct)
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

// applyPatch applies a patch of type pt to the JSON of an object of the
// kind (server/patch). A Scale has no lists, so its strategic merge patch
// is a merge patch.
func applyPatch(kind, pt string, orig, p []byte) ([]byte, error) {
	if kind == "Scale" && pt == strategicPatchType {
		pt = mergePatchType
	}
	return patch.Apply(kind, pt, orig, p)
}
