package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// LogOptions select what of a container's log Logs reads.
type LogOptions struct {
	// Container may be empty for a pod with one container.
	Container string
	// Follow streams what the container writes until ctx ends, the
	// container stops being the current instance or is removed.
	Follow bool
	// Previous reads the instance before the current one.
	Previous bool
	// Tail, when true, reads only the last TailLines lines (0 is a
	// valid tail: nothing of what was written before).
	Tail      bool
	TailLines int64
	// LimitBytes, if > 0, stops after that many bytes.
	LimitBytes int64
}

// Logs reads a container's log through the API server (GET
// pods/NAME/log, which the server proxies to the node's agent). The
// caller closes the body. Only ctx bounds the call, so that a followed
// log may last; a failure is an *api.StatusError as with other calls.
func (c *Client) Logs(ctx context.Context, namespace, pod string, o LogOptions) (io.ReadCloser, error) {
	info, err := Kind("Pod")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if o.Container != "" {
		q.Set("container", o.Container)
	}
	if o.Follow {
		q.Set("follow", "true")
	}
	if o.Previous {
		q.Set("previous", "true")
	}
	if o.Tail {
		q.Set("tailLines", strconv.FormatInt(o.TailLines, 10))
	}
	if o.LimitBytes > 0 {
		q.Set("limitBytes", strconv.FormatInt(o.LimitBytes, 10))
	}
	if namespace == "" {
		namespace = c.Namespace()
	}
	resp, err := c.send(ctx, &request{method: http.MethodGet, info: info, namespace: namespace, name: pod, subresource: "log", query: q})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
