package sim

import (
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/control"
)

// DescribeServices lists every Service with its ClusterIP, ports and the
// addresses of its Endpoints (ready ones, then not-ready ones in brackets).
func (c *Cluster) DescribeServices() string {
	eps := map[string]*api.Endpoints{}
	for _, o := range c.list("endpoints") {
		e := o.(*api.Endpoints)
		eps[e.Namespace+"/"+e.Name] = e
	}
	var b strings.Builder
	for _, o := range c.list("services") {
		s := o.(*api.Service)
		ip := s.Spec.ClusterIP
		if ip == "" {
			ip = "<pending>"
		}
		ports := make([]string, len(s.Spec.Ports))
		for i, p := range s.Spec.Ports {
			ports[i] = strconv.Itoa(int(p.Port)) + "/" + p.Protocol
			if p.NodePort != 0 {
				ports[i] += ":" + strconv.Itoa(int(p.NodePort))
			}
		}
		b.WriteString(s.Namespace + "/" + s.Name + " " + s.Spec.Type + " " + ip + " ports=" + strings.Join(ports, ","))
		if e := eps[s.Namespace+"/"+s.Name]; e != nil {
			var ready, notReady []string
			for _, ss := range e.Subsets {
				for _, a := range ss.Addresses {
					ready = append(ready, a.IP)
				}
				for _, a := range ss.NotReadyAddresses {
					notReady = append(notReady, a.IP)
				}
			}
			sort.Strings(ready)
			sort.Strings(notReady)
			b.WriteString(" endpoints=[" + strings.Join(ready, " ") + "]")
			if len(notReady) > 0 {
				b.WriteString(" not-ready=[" + strings.Join(notReady, " ") + "]")
			}
		} else if len(s.Spec.Selector) > 0 {
			b.WriteString(" endpoints=<none>")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// DescribeVolumes lists PersistentVolumes and PersistentVolumeClaims.
func (c *Cluster) DescribeVolumes() string {
	var b strings.Builder
	for _, o := range c.list("persistentvolumes") {
		pv := o.(*api.PersistentVolume)
		claim := "-"
		if r := pv.Spec.ClaimRef; r != nil {
			claim = r.Namespace + "/" + r.Name
		}
		b.WriteString("pv/" + pv.Name + " " + pv.Status.Phase + " claim=" + claim + "\n")
	}
	for _, o := range c.list("persistentvolumeclaims") {
		pvc := o.(*api.PersistentVolumeClaim)
		vol := pvc.Spec.VolumeName
		if vol == "" {
			vol = "-"
		}
		b.WriteString("pvc/" + pvc.Namespace + "/" + pvc.Name + " " + pvc.Status.Phase + " volume=" + vol + "\n")
	}
	return b.String()
}

// DescribeNamespaces lists the namespaces and their phases.
func (c *Cluster) DescribeNamespaces() string {
	var b strings.Builder
	for _, o := range c.list("namespaces") {
		ns := o.(*api.Namespace)
		b.WriteString(ns.Name + " " + ns.Status.Phase + "\n")
	}
	return b.String()
}

// DescribeEvents lists the api.Events recorded since the previous call,
// in the order they were created: time, type, reason, object, message.
func (c *Cluster) DescribeEvents() string {
	type ev struct {
		rev int64
		e   *api.Event
	}
	var evs []ev
	for _, o := range c.list("events") {
		e := o.(*api.Event)
		rev, _ := strconv.ParseInt(e.ResourceVersion, 10, 64)
		if rev > c.eventMark {
			evs = append(evs, ev{rev, e})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].rev < evs[j].rev })
	var b strings.Builder
	for _, x := range evs {
		e := x.e
		c.eventMark = max(c.eventMark, x.rev)
		obj := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
		b.WriteString(formatSince(e.LastTimestamp, c.cfg.Epoch) + " " + e.Type + " " + e.Reason + " " + obj + ": " + e.Message + "\n")
	}
	return b.String()
}

// DescribeRollout is one line about a Deployment's pods, grouped by the
// revision of their ReplicaSet: "rev1=2/2 rev2=1/0 terminating=1" reads
// "two pods of revision 1, both ready; one of revision 2, not ready yet;
// one terminating".
func (c *Cluster) DescribeRollout(ref Ref) string {
	cur, err := c.st.Get(api.KeyFor(ref.Resource, ref.Namespace, ref.Name))
	if err != nil {
		return ref.String() + " not found"
	}
	dep := cur.(*api.Deployment)
	revOf := map[string]int64{} // RS name -> revision
	for _, o := range c.listIn("replicasets", ref.Namespace) {
		rs := o.(*api.ReplicaSet)
		if ownedBy(&rs.ObjectMeta, dep.UID) {
			revOf[rs.Name], _ = strconv.ParseInt(rs.Annotations[control.AnnotationRevision], 10, 64)
		}
	}
	total, ready := map[int64]int{}, map[int64]int{}
	terminating := 0
	for _, o := range c.listIn("pods", ref.Namespace) {
		p := o.(*api.Pod)
		r := controllerRef(&p.ObjectMeta)
		if r == nil {
			continue
		}
		rev, ok := revOf[r.Name]
		if !ok {
			continue
		}
		if p.DeletionTimestamp != nil {
			terminating++
			continue
		}
		total[rev]++
		if podReady(p) {
			ready[rev]++
		}
	}
	revs := make([]int64, 0, len(total))
	for r := range total {
		revs = append(revs, r)
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
	var parts []string
	sum := 0
	for _, r := range revs {
		sum += total[r]
		parts = append(parts, "rev"+strconv.FormatInt(r, 10)+"="+strconv.Itoa(total[r])+"/"+strconv.Itoa(ready[r]))
	}
	line := "pods=" + strconv.Itoa(sum)
	if len(parts) > 0 {
		line += " " + strings.Join(parts, " ")
	}
	if terminating > 0 {
		line += " terminating=" + strconv.Itoa(terminating)
	}
	return line
}

func (c *Cluster) listIn(resource, ns string) []api.Object {
	res, err := c.st.List(api.KeyFor(resource, ns, ""), listAll)
	if err != nil {
		panic("sim: list " + resource + ": " + err.Error())
	}
	return res.Items
}
