// Package nodeapi is the node agent's view of the API server: the few
// verbs it uses, as an interface, so that the agent's tests run it
// against an in-memory API (nodeagent/apifake) and production against the
// REST client (client/, through FromClient).
package nodeapi

import (
	"context"
	"errors"

	"github.com/capstan-dev/capstan/client"
	"github.com/capstan-dev/capstan/core/api"
)

// API is what the agent needs from the API server. Errors are core/api's
// (api.IsNotFound, api.IsConflict, api.IsAlreadyExists, api.IsGone,
// api.IsResourceExpired hold on them).
type API interface {
	Get(ctx context.Context, kind, namespace, name string) (api.Object, error)
	// List returns the objects and the list's resourceVersion.
	List(ctx context.Context, kind, namespace, fieldSelector string) ([]api.Object, string, error)
	// Watch watches from resourceVersion (the changes after it).
	Watch(ctx context.Context, kind, namespace, fieldSelector, resourceVersion string) (Watch, error)
	Create(ctx context.Context, obj api.Object) (api.Object, error)
	Update(ctx context.Context, obj api.Object) (api.Object, error)
	UpdateStatus(ctx context.Context, obj api.Object) (api.Object, error)
	// Delete deletes with the grace period (nil: the object's own) if the
	// object still has uid ("" for any).
	Delete(ctx context.Context, kind, namespace, name string, grace *int64, uid string) error
}

// Watch is one watch. Next blocks for the next event; an error ends the
// watch (a Gone or ResourceExpired one means: list again).
type Watch interface {
	Next() (Event, error)
	Stop()
}

// Event is one watch event: Type is ADDED, MODIFIED or DELETED.
type Event struct {
	Type   string
	Object api.Object
}

// FromClient adapts the REST client.
func FromClient(c *client.Client) API { return clientAPI{c} }

type clientAPI struct{ c *client.Client }

func (a clientAPI) Get(ctx context.Context, kind, ns, name string) (api.Object, error) {
	return a.c.Get(ctx, kind, ns, name)
}

func (a clientAPI) List(ctx context.Context, kind, ns, fs string) ([]api.Object, string, error) {
	l, err := a.c.ListAll(ctx, kind, ns, client.ListOptions{FieldSelector: fs, Limit: 500})
	if err != nil {
		return nil, "", err
	}
	return l.Items, l.ResourceVersion, nil
}

func (a clientAPI) Watch(ctx context.Context, kind, ns, fs, rv string) (Watch, error) {
	w, err := a.c.Watch(ctx, kind, ns, client.ListOptions{FieldSelector: fs, ResourceVersion: rv, TimeoutSeconds: 300})
	if err != nil {
		return nil, err
	}
	return clientWatch{w}, nil
}

func (a clientAPI) Create(ctx context.Context, obj api.Object) (api.Object, error) {
	return a.c.Create(ctx, obj)
}

func (a clientAPI) Update(ctx context.Context, obj api.Object) (api.Object, error) {
	return a.c.Update(ctx, obj)
}

func (a clientAPI) UpdateStatus(ctx context.Context, obj api.Object) (api.Object, error) {
	return a.c.UpdateStatus(ctx, obj)
}

func (a clientAPI) Delete(ctx context.Context, kind, ns, name string, grace *int64, uid string) error {
	opts := client.DeleteOptions{GracePeriodSeconds: grace}
	if uid != "" {
		opts.Preconditions = &client.Preconditions{UID: &uid}
	}
	_, err := a.c.Delete(ctx, kind, ns, name, opts)
	return err
}

type clientWatch struct{ w *client.Watcher }

func (w clientWatch) Next() (Event, error) {
	for {
		ev, err := w.w.Next()
		if err != nil {
			return Event{}, err
		}
		switch ev.Type {
		case client.Added, client.Modified, client.Deleted:
			return Event{Type: string(ev.Type), Object: ev.Object}, nil
		case client.Error:
			return Event{}, errors.New("watch: the server sent an error event")
		}
	}
}

func (w clientWatch) Stop() { w.w.Stop() }
