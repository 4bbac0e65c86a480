package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// objectKey is the store key of the request's object.
func (ri *requestInfo) objectKey() string {
	return api.KeyFor(ri.resource, ri.namespace, ri.name)
}

// prefix is the store prefix of the request's collection: one namespace,
// or all of them.
func (ri *requestInfo) prefix() string {
	return api.KeyFor(ri.resource, ri.namespace, "")
}

// serveGet answers GET of one object. A resourceVersion asks for a
// version at least that new (Kubernetes' NotOlderThan); the latest is
// always that.
func (s *server) serveGet(req *request) {
	out, err := negotiate(req.r, tableOK(req.ri.kind.Kind))
	if err != nil {
		s.fail(req, err)
		return
	}
	if err := s.checkNotOlderThan(req.query.Get("resourceVersion")); err != nil {
		s.fail(req, err)
		return
	}
	obj, err := s.backend.Get(req.ri.objectKey())
	if err != nil {
		s.fail(req, err)
		return
	}
	s.writeObjects(req, http.StatusOK, out, obj, nil)
}

// checkNotOlderThan fails with Kubernetes' "Too large resource version"
// when rv is beyond the store's current revision.
func (s *server) checkNotOlderThan(rv string) error {
	want, err := revisionParam(rv)
	if err != nil || want == 0 {
		return err
	}
	cur, err := s.backend.Revision()
	if err != nil {
		return err
	}
	if want > cur {
		return newTooLargeResourceVersion(want, cur)
	}
	return nil
}

// listOptions are a list request's parameters.
type listOptions struct {
	labels   labelSelector
	fields   fieldSelector
	limit    int64
	cont     string
	revision int64 // exact revision to read at; 0 = latest
}

// filtered reports whether selectors may drop items.
func (o *listOptions) filtered() bool { return len(o.labels) > 0 || len(o.fields) > 0 }

func (o *listOptions) matches(obj api.Object, resource string) bool {
	return o.labels.matches(obj.GetObjectMeta().Labels) && o.fields.matches(obj, resource)
}

// parseSelectors reads labelSelector and fieldSelector; a request for one
// named object (a watch of it) selects metadata.name too.
func parseSelectors(req *request) (labelSelector, fieldSelector, error) {
	ls, err := parseLabelSelector(req.query.Get("labelSelector"))
	if err != nil {
		return nil, nil, err
	}
	fs, err := parseFieldSelector(req.query.Get("fieldSelector"), req.ri.resource)
	if err != nil {
		return nil, nil, err
	}
	if req.ri.name != "" {
		fs = append(fs, fieldRequirement{field: "metadata.name", value: req.ri.name})
	}
	return ls, fs, nil
}

// parseListOptions reads a list's query, with Kubernetes' rules for
// resourceVersion, resourceVersionMatch, limit and continue.
func (s *server) parseListOptions(req *request) (*listOptions, error) {
	q := req.query
	o := &listOptions{}
	var err error
	if o.labels, o.fields, err = parseSelectors(req); err != nil {
		return nil, err
	}
	if o.limit, _, err = intParam(q, "limit", 0); err != nil {
		return nil, err
	}
	o.cont = q.Get("continue")
	rv, match := q.Get("resourceVersion"), q.Get("resourceVersionMatch")
	want, err := revisionParam(rv)
	if err != nil {
		return nil, err
	}
	if o.cont != "" && (rv != "" && rv != "0" || match != "") {
		return nil, api.NewBadRequest("specifying resourceVersion or resourceVersionMatch is not allowed when using continue")
	}
	switch match {
	case "":
		// NotOlderThan when a resourceVersion is given: the latest is.
		if err := s.checkNotOlderThan(rv); err != nil {
			return nil, err
		}
	case "NotOlderThan":
		if rv == "" {
			return nil, api.NewBadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
		}
		if err := s.checkNotOlderThan(rv); err != nil {
			return nil, err
		}
	case "Exact":
		if rv == "" {
			return nil, api.NewBadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
		}
		if want == 0 {
			return nil, api.NewBadRequest(`resourceVersionMatch "Exact" is forbidden for resourceVersion "0"`)
		}
		cur, err := s.backend.Revision()
		if err != nil {
			return nil, err
		}
		if want > cur {
			return nil, newTooLargeResourceVersion(want, cur)
		}
		o.revision = want
	default:
		return nil, api.NewBadRequest(fmt.Sprintf("invalid resourceVersionMatch %q: want NotOlderThan or Exact", match))
	}
	return o, nil
}

// listResult is one page of a filtered list.
type listResult struct {
	items     []api.Object
	revision  int64
	cont      string
	remaining *int64
}

// maxListChunk bounds the store pages a filtered, limited list reads.
const maxListChunk = 4096

// list reads one page under prefix: up to o.limit matching items (all
// when 0), at one revision. A filtered list reads store pages of growing
// size (what is still missing, doubling, up to maxListChunk); when a page
// holds more matches than needed it reads that page again cut just after
// the last match it returns, so that the continue token skips nothing.
func (s *server) list(prefix, resource string, o *listOptions) (listResult, error) {
	var res listResult
	opts := store.ListOptions{Revision: o.revision, Limit: o.limit, Continue: o.cont}
	chunk := o.limit
	for {
		need := o.limit - int64(len(res.items))
		if o.limit > 0 && o.filtered() {
			chunk = min(max(chunk, need), maxListChunk)
			opts.Limit = chunk
		}
		page, err := s.listPage(prefix, opts)
		if err != nil {
			return res, err
		}
		var matches []api.Object
		cut := -1 // index in page.Items after which nothing is taken
		for i, it := range page.Items {
			if !o.filtered() || o.matches(it, resource) {
				if o.limit > 0 && int64(len(matches)) == need {
					break
				}
				matches = append(matches, it)
				cut = i
			}
		}
		if o.limit > 0 && int64(len(matches)) == need && cut+1 < len(page.Items) {
			// Read the same page again, ending at the last match taken.
			again := opts
			again.Limit = int64(cut + 1)
			if again.Continue == "" {
				again.Revision = page.Revision
			}
			if page, err = s.listPage(prefix, again); err != nil {
				return res, err
			}
		}
		res.items = append(res.items, matches...)
		res.revision, res.cont = page.Revision, page.Continue
		if page.Continue == "" || o.limit == 0 || int64(len(res.items)) >= o.limit {
			if page.Continue != "" && !o.filtered() {
				n := page.RemainingItemCount
				res.remaining = &n
			}
			return res, nil
		}
		opts.Continue, opts.Revision = page.Continue, 0
		chunk *= 2
	}
}

// listPage reads one store page, with Kubernetes' errors for a bad or
// expired continue token.
func (s *server) listPage(prefix string, opts store.ListOptions) (store.ListResult, error) {
	page, err := s.backend.List(prefix, opts)
	if err != nil && opts.Continue != "" {
		if store.IsCompacted(err) {
			return page, api.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. " +
				"You can start a new list without the continue parameter.")
		}
		if store.IsBadRequest(err) {
			return page, api.NewBadRequest(fmt.Sprintf("invalid continue token: %v", err))
		}
	}
	return page, err
}

// serveList answers a LIST.
func (s *server) serveList(req *request) {
	out, err := negotiate(req.r, tableOK(req.ri.kind.Kind))
	if err != nil {
		s.fail(req, err)
		return
	}
	o, err := s.parseListOptions(req)
	if err != nil {
		s.fail(req, err)
		return
	}
	res, err := s.list(req.ri.prefix(), req.ri.resource, o)
	if err != nil {
		s.fail(req, err)
		return
	}
	meta := api.ListMeta{ResourceVersion: strconv.FormatInt(res.revision, 10), Continue: res.cont, RemainingItemCount: res.remaining}
	s.writeObjects(req, http.StatusOK, out, nil, &objectList{
		TypeMeta: api.TypeMeta{APIVersion: req.ri.kind.APIVersion(), Kind: req.ri.kind.Kind + "List"},
		Metadata: meta,
		Items:    nonNil(res.items),
	})
}

func nonNil(items []api.Object) []api.Object {
	if items == nil {
		return []api.Object{}
	}
	return items
}

// writeObjects writes one object or a list, as JSON, YAML or a Table.
func (s *server) writeObjects(req *request, code int, out output, obj api.Object, list *objectList) {
	if out.table {
		t, err := s.table(req, obj, list)
		if err != nil {
			s.fail(req, err)
			return
		}
		writeJSON(req.w, code, t, output{})
		return
	}
	if list != nil {
		writeJSON(req.w, code, list, out)
		return
	}
	writeJSON(req.w, code, obj, out)
}
