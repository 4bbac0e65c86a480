package client

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/capstan-dev/capstan/core/api"
)

var (
	byTypeOnce sync.Once
	byType     map[reflect.Type]*api.KindInfo
)

// KindOf returns the registry entry of the kind whose Go type is T (a
// pointer such as *api.Pod).
func KindOf[T api.Object]() (*api.KindInfo, error) {
	byTypeOnce.Do(func() {
		byType = map[reflect.Type]*api.KindInfo{}
		for _, k := range api.Kinds() {
			byType[reflect.TypeOf(k.New())] = k
		}
	})
	t := reflect.TypeFor[T]()
	if info, ok := byType[t]; ok {
		return info, nil
	}
	return nil, fmt.Errorf("%v is not a registered kind", t)
}

func typed[T api.Object](obj api.Object, err error) (T, error) {
	var zero T
	if err != nil || obj == nil {
		return zero, err
	}
	t, ok := obj.(T)
	if !ok {
		return zero, fmt.Errorf("got %T, want %T", obj, zero)
	}
	return t, nil
}

// Get reads one object of the kind T.
func Get[T api.Object](ctx context.Context, c *Client, namespace, name string) (T, error) {
	info, err := KindOf[T]()
	if err != nil {
		var zero T
		return zero, err
	}
	return typed[T](c.Get(ctx, info.Kind, namespace, name))
}

// ListOf reads every page of objects of the kind T and returns them with
// the list's resourceVersion.
func ListOf[T api.Object](ctx context.Context, c *Client, namespace string, opts ListOptions) ([]T, string, error) {
	info, err := KindOf[T]()
	if err != nil {
		return nil, "", err
	}
	l, err := c.ListAll(ctx, info.Kind, namespace, opts)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, 0, len(l.Items))
	for _, o := range l.Items {
		t, err := typed[T](o, nil)
		if err != nil {
			return nil, "", err
		}
		out = append(out, t)
	}
	return out, l.ResourceVersion, nil
}

// Create creates obj and returns it as stored.
func Create[T api.Object](ctx context.Context, c *Client, obj T) (T, error) {
	return typed[T](c.Create(ctx, obj))
}

// Update replaces obj (conditionally on its resourceVersion, if set).
func Update[T api.Object](ctx context.Context, c *Client, obj T) (T, error) {
	return typed[T](c.Update(ctx, obj))
}

// UpdateStatus replaces obj's status.
func UpdateStatus[T api.Object](ctx context.Context, c *Client, obj T) (T, error) {
	return typed[T](c.UpdateStatus(ctx, obj))
}
