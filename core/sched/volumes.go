package sched

import (
	"github.com/capstan-dev/capstan/core/api"
)

// AddPV records a persistent volume, or updates it.
func (s *Scheduler) AddPV(pv *api.PersistentVolume) { s.pvs[pv.Name] = pv }

// UpdatePV is AddPV.
func (s *Scheduler) UpdatePV(pv *api.PersistentVolume) { s.pvs[pv.Name] = pv }

// RemovePV forgets a persistent volume.
func (s *Scheduler) RemovePV(pv *api.PersistentVolume) { delete(s.pvs, pv.Name) }

// AddPVC records a persistent volume claim, or updates it.
func (s *Scheduler) AddPVC(c *api.PersistentVolumeClaim) { s.pvcs[c.Namespace+"/"+c.Name] = c }

// UpdatePVC is AddPVC.
func (s *Scheduler) UpdatePVC(c *api.PersistentVolumeClaim) { s.pvcs[c.Namespace+"/"+c.Name] = c }

// RemovePVC forgets a persistent volume claim.
func (s *Scheduler) RemovePVC(c *api.PersistentVolumeClaim) {
	delete(s.pvcs, c.Namespace+"/"+c.Name)
}

// volumeQuery is what a pod's claims demand of a node.
type volumeQuery struct {
	// preFilter, when set, makes the pod unschedulable before any node is
	// looked at (kube's VolumeBinding PreFilter).
	preFilter string
	// pvMissing: a claim is bound to a volume that does not exist; every
	// node fails with ReasonPVNotExist.
	pvMissing bool
	// filters are the node affinities of the bound volumes.
	filters []*nodeFilter
}

// volumesOf resolves the pod's persistent volume claims. An unbound claim
// is treated as kube treats an unbound claim of an Immediate storage
// class: the pod waits for the volume controller to bind it. capstan has
// no StorageClass and so no WaitForFirstConsumer binding.
func (s *Scheduler) volumesOf(p *api.Pod, q *volumeQuery) {
	q.preFilter, q.pvMissing, q.filters = "", false, q.filters[:0]
	for i := range p.Spec.Volumes {
		src := p.Spec.Volumes[i].PersistentVolumeClaim
		if src == nil {
			continue
		}
		claim, ok := s.pvcs[p.Namespace+"/"+src.ClaimName]
		if !ok {
			q.preFilter = `persistentvolumeclaim "` + src.ClaimName + `" not found`
			return
		}
		if claim.DeletionTimestamp != nil {
			q.preFilter = `persistentvolumeclaim "` + src.ClaimName + `" is being deleted`
			return
		}
		if claim.Spec.VolumeName == "" {
			q.preFilter = ReasonUnboundPVC
			continue
		}
		pv, ok := s.pvs[claim.Spec.VolumeName]
		if !ok {
			q.pvMissing = true
			continue
		}
		if pv.Spec.NodeAffinity != nil && pv.Spec.NodeAffinity.Required != nil {
			q.filters = append(q.filters, s.filterFor(nil, pv.Spec.NodeAffinity.Required, nil))
		}
	}
}
