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

// list reads one page under prefix: up to o.limit matching items (all
// when 0). With selectors it reads store pages no larger than what is
// still missing, so that every item of the last page read is returned and
// its continue token skips nothing.
func (s *server) list(prefix, resource string, o *listOptions) (listResult, error) {
	var res listResult
	opts := store.ListOptions{Revision: o.revision, Limit: o.limit, Continue: o.cont}
	for {
		if o.limit > 0 {
			opts.Limit = o.limit - int64(len(res.items))
		}
		page, err := s.backend.List(prefix, opts)
		if err != nil {
			if store.IsCompacted(err) && opts.Continue != "" {
				return res, api.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. " +
					"You can start a new list without the continue parameter.")
			}
			if store.IsBadRequest(err) && opts.Continue != "" {
				return res, api.NewBadRequest(fmt.Sprintf("invalid continue token: %v", err))
			}
			return res, err
		}
		res.revision = page.Revision
		for _, it := range page.Items {
			if !o.filtered() || o.matches(it, resource) {
				res.items = append(res.items, it)
			}
		}
		res.cont = page.Continue
		if page.Continue == "" || o.limit == 0 || int64(len(res.items)) >= o.limit {
			if page.Continue != "" && !o.filtered() {
				n := page.RemainingItemCount
				res.remaining = &n
			}
			return res, nil
		}
		opts.Continue, opts.Revision = page.Continue, 0
	}
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
		if t, err := s.table(req, obj, list); err == nil {
			writeJSON(req.w, code, t, output{})
			return
		} else {
			s.fail(req, err)
			return
		}
	}
	if list != nil {
		writeJSON(req.w, code, list, out)
		return
	}
	writeJSON(req.w, code, obj, out)
}
