package sim

import (
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/store"
)

// FaultStore wraps a store.Store and fails chosen writes with a Conflict,
// as etcd does when another writer got there first. Reads and watches pass
// through. It is the simulation's "fault-injecting wrapper" of DESIGN.md.
type FaultStore struct {
	store.Store
	rules []WriteFault
	// Injected counts the writes failed so far.
	Injected int
	// onFail, if set, is told about each injected failure.
	onFail func(op, key string)
	// onWrite, if set, is given every object created or updated (the
	// stored object when the store shares its objects).
	onWrite func(api.Object)
	// simAnnotated: a pod with an annotation for the fake runtime
	// (AnnotationPrefix) was written at some point. Until then the
	// runtime need not look its pods up to resolve their behaviour.
	simAnnotated bool
}

// WriteFault fails the next Count writes that match it.
type WriteFault struct {
	// Op is "create", "update" or "delete"; empty matches any.
	Op string
	// KeyPrefix restricts the fault to keys with this prefix, such as
	// "/registry/pods/"; empty matches any key.
	KeyPrefix string
	// Count is how many matching writes to fail; at least 1.
	Count int
}

var _ store.Store = (*FaultStore)(nil)

// FailNext arms a fault.
func (s *FaultStore) FailNext(f WriteFault) {
	if f.Count < 1 {
		f.Count = 1
	}
	s.rules = append(s.rules, f)
}

// Armed returns how many injected failures are still to come.
func (s *FaultStore) Armed() int {
	n := 0
	for _, r := range s.rules {
		n += r.Count
	}
	return n
}

// maybeFail consumes a matching rule and returns the error to fail with.
func (s *FaultStore) maybeFail(op, key string) error {
	for i := range s.rules {
		r := &s.rules[i]
		if (r.Op != "" && r.Op != op) || !strings.HasPrefix(key, r.KeyPrefix) {
			continue
		}
		r.Count--
		if r.Count == 0 {
			s.rules = append(s.rules[:i], s.rules[i+1:]...)
		}
		s.Injected++
		if s.onFail != nil {
			s.onFail(op, key)
		}
		return &store.Error{Code: store.Conflict, Key: key, Message: "injected conflict: another writer got there first"}
	}
	return nil
}

var _ store.Looker = (*FaultStore)(nil)

// Lookup implements store.Looker: reads pass through, by the wrapped
// store's Lookup when it has one.
func (s *FaultStore) Lookup(resource, namespace, name string) api.Object {
	if l, ok := s.Store.(store.Looker); ok {
		return l.Lookup(resource, namespace, name)
	}
	o, _ := s.Store.Get(api.KeyFor(resource, namespace, name))
	return o
}

// Create implements store.Store.
func (s *FaultStore) Create(obj api.Object) (api.Object, error) {
	if err := s.maybeFailCreate(obj); err != nil {
		return nil, err
	}
	return s.wrote(s.Store.Create(obj))
}

// CreateKeyed implements store.KeyedCreator, by the wrapped store's
// CreateKeyed when it has one.
func (s *FaultStore) CreateKeyed(key string, obj api.Object) (api.Object, error) {
	kc, ok := s.Store.(store.KeyedCreator)
	if !ok {
		return s.Create(obj)
	}
	if err := s.maybeFailCreate(obj); err != nil {
		return nil, err
	}
	return s.wrote(kc.CreateKeyed(key, obj))
}

// maybeFailCreate returns the injected failure of a create of obj, if any.
func (s *FaultStore) maybeFailCreate(obj api.Object) error {
	if len(s.rules) > 0 {
		if key, err := api.KeyOf(obj); err == nil {
			return s.maybeFail("create", key)
		}
	}
	return nil
}

// wrote passes a write's result on to onWrite, and notes a pod annotated
// for the fake runtime.
func (s *FaultStore) wrote(obj api.Object, err error) (api.Object, error) {
	if err != nil {
		return obj, err
	}
	if p, ok := obj.(*api.Pod); ok && !s.simAnnotated && hasSimAnnotations(p) {
		s.simAnnotated = true
	}
	if s.onWrite != nil {
		s.onWrite(obj)
	}
	return obj, err
}

// Update implements store.Store.
func (s *FaultStore) Update(obj api.Object) (api.Object, error) {
	if len(s.rules) > 0 {
		if key, err := api.KeyOf(obj); err == nil {
			if err := s.maybeFail("update", key); err != nil {
				return nil, err
			}
		}
	}
	return s.wrote(s.Store.Update(obj))
}

// Delete implements store.Store.
func (s *FaultStore) Delete(key string, pre store.Preconditions) (api.Object, error) {
	if len(s.rules) > 0 {
		if err := s.maybeFail("delete", key); err != nil {
			return nil, err
		}
	}
	return s.Store.Delete(key, pre)
}
