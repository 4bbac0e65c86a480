package node

import (
	"fmt"
	"slices"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

// objects mirrors the API objects pods reference. The machine keeps the
// pointers it is given and never modifies them. The maps are nil until
// first written (see put).
type objects struct {
	secrets    map[nsName]*api.Secret
	configMaps map[nsName]*api.ConfigMap
	claims     map[nsName]*api.PersistentVolumeClaim
	volumes    map[string]*api.PersistentVolume
	// services by namespace, then name.
	services map[string]map[string]*api.Service
}

type nsName struct{ ns, name string }

// put sets (*m)[k] = v, making the map first if it is nil. The machine's
// maps are made when first written: a node of a simulated cluster seldom
// holds an orphan or a blocked pod, and an empty map costs 48 bytes.
func put[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
}

func kindOf(o api.Object) string {
	switch o.(type) {
	case *api.Secret:
		return "Secret"
	case *api.ConfigMap:
		return "ConfigMap"
	case *api.Service:
		return "Service"
	case *api.PersistentVolumeClaim:
		return "PersistentVolumeClaim"
	case *api.PersistentVolume:
		return "PersistentVolume"
	}
	return fmt.Sprintf("%T", o)
}

// handleObject records (or forgets) a referenced object and re-syncs the
// pods that may have been waiting for it. Running containers keep their
// environment (as in Kubernetes); secret and configMap volumes are updated.
func (m *Machine) handleObject(o api.Object, deleted bool) error {
	if o == nil {
		return fmt.Errorf("node: object input with nil object")
	}
	meta := o.GetObjectMeta()
	k := nsName{meta.Namespace, meta.Name}
	switch o := o.(type) {
	case *api.Secret:
		if deleted {
			delete(m.objs.secrets, k)
		} else {
			put(&m.objs.secrets, k, o)
		}
		m.refreshProjected(meta.Namespace, VolumeSecret, meta.Name)
	case *api.ConfigMap:
		if deleted {
			delete(m.objs.configMaps, k)
		} else {
			put(&m.objs.configMaps, k, o)
		}
		m.refreshProjected(meta.Namespace, VolumeConfigMap, meta.Name)
	case *api.Service:
		svcs := m.objs.services[meta.Namespace]
		if deleted {
			delete(svcs, meta.Name)
			if len(svcs) == 0 {
				delete(m.objs.services, meta.Namespace)
			}
		} else {
			if svcs == nil {
				svcs = map[string]*api.Service{}
				put(&m.objs.services, meta.Namespace, svcs)
			}
			svcs[meta.Name] = o
		}
	case *api.PersistentVolumeClaim:
		if deleted {
			delete(m.objs.claims, k)
		} else {
			put(&m.objs.claims, k, o)
		}
	case *api.PersistentVolume:
		if deleted {
			delete(m.objs.volumes, meta.Name)
		} else {
			put(&m.objs.volumes, meta.Name, o)
		}
		m.wakeBlocked("")
		return nil
	default:
		return fmt.Errorf("node: object of kind %s is not one a node needs", kindOf(o))
	}
	m.wakeBlocked(meta.Namespace)
	return nil
}

// wakeBlocked re-syncs the blocked pods of namespace ns (all if ns is "").
func (m *Machine) wakeBlocked(ns string) {
	for _, p := range m.blocked {
		if ns == "" || p.pod.Namespace == ns {
			m.markDirty(p) // flush sorts, so map order does not leak
		}
	}
}

// servicesIn returns the services of namespace ns sorted by name.
func (m *Machine) servicesIn(ns string) []*api.Service {
	svcs := m.objs.services[ns]
	out := make([]*api.Service, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *api.Service) int { return strings.Compare(a.Name, b.Name) })
	return out
}
