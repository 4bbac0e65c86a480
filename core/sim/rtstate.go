package sim

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// fakeRuntime is a node's fake container runtime: images, containers and pod
// addresses. It answers the machine's actions with observations scheduled
// as timed events; its state changes when those fire.
//
// Its state is a few dense arrays, no map per container or pod: a node
// runs tens of pods, and a cluster of 150,000 pods keeps a record of each.
//
//	ctrs   [seq 7][seq 9][seq 12]…   by seq; a container's id spells its seq
//	         │pod    │pod    │pod
//	         ▼       ▼       ▼
//	pods   [slot 0 ][slot 1 ][free ]…  a pod's ref, container count, address
//	byUID  [1, 0, …]                   the live slots, by pod uid
type fakeRuntime struct {
	// gen counts the runtime's lives: a crash wipes it, and events
	// scheduled before are dropped when they fire.
	gen uint32
	// images are the images present, pulled or being pulled: a node has
	// a few, which a list holds in a fraction of two maps' bytes.
	images []rtImage
	// ctrs are the containers, by seq. Invariant: seqs strictly increase.
	ctrs []container
	// pods are the pods with containers, in slots that stay put while the
	// pod has any (ctrs refer to them); free slots have no UID and are
	// listed in freePods. byUID lists the live slots by pod uid.
	// Invariant: a slot is live iff its ctrs > 0 iff it is in byUID.
	pods     []rtPod
	freePods []uint32
	byUID    []uint32
	// nextID numbers containers (seq); never reset, so that an id is not
	// given twice in a node's life (2^32 containers: at one per step,
	// hours of CPU beyond any run). An id is "<node index%256><seq>" in
	// hex ("%02x%06x"), as real runtimes' ids look.
	nextID uint32
	index  int
	// used are the host parts of the pod CIDR taken, one bit each.
	used [4]uint64
}

// container is one container in a fake runtime. Its id is not kept: it is
// formatted from seq when the machine is told of it (the machine keeps
// that string), and parsed back when the machine names the container.
type container struct {
	seq      uint32
	attempt  int32
	exitCode int32
	// pod is the slot of the container's pod in fakeRuntime.pods.
	pod     uint32
	state   ctrState
	hostNet bool
	// oomKilled: the process exited with reason OOMKilled (the only
	// reason the fake runtime gives).
	oomKilled bool
	name      string
	startedAt api.Time
	finished  api.Time
	beh       *Behavior
}

// ctrState is a container's state: created, running, exited.
type ctrState uint8

const (
	ctrCreated ctrState = iota
	ctrRunning
	ctrExited
)

var ctrStateNames = [...]string{ctrCreated: "created", ctrRunning: "running", ctrExited: "exited"}

func (s ctrState) String() string { return ctrStateNames[s] }

// reason is the exit reason the runtime reports.
func (ct *container) reason() string {
	if ct.oomKilled {
		return "OOMKilled"
	}
	return ""
}

// rtPod is a pod that has containers in the runtime.
type rtPod struct {
	ref node.PodRef
	// ip is the pod's address as its status spells it (podIP), made when
	// a status first asks for it: the versions of the pod's status share it.
	ip *[1]api.PodIP
	// ctrs counts the pod's containers (its sandbox lives while > 0).
	ctrs uint32
	// host is the host part of the pod's address in the node's pod CIDR,
	// 0 until its first container starts (or if it runs on the host's
	// network, or the CIDR is full).
	host uint8
}

// rtImage is an image pulled or being pulled: its name, the digest it
// resolves to, and whether it is present.
type rtImage struct {
	name, ref string
	present   bool
}

func (r *fakeRuntime) init(index int) {
	r.index = index
	r.wipe()
}

// hasImage reports whether image name is present.
func (r *fakeRuntime) hasImage(name string) bool {
	for i := range r.images {
		if r.images[i].name == name && r.images[i].present {
			return true
		}
	}
	return false
}

// pulling records that image name, which resolves to ref, is being
// pulled (unless an image resolving to ref is known already).
func (r *fakeRuntime) pulling(name, ref string) {
	for i := range r.images {
		if r.images[i].ref == ref {
			return
		}
	}
	r.images = append(r.images, rtImage{name: name, ref: ref})
}

// pulled marks the image being pulled that resolves to ref present.
func (r *fakeRuntime) pulled(ref string) {
	for i := range r.images {
		if r.images[i].ref == ref {
			r.images[i].present = true
			return
		}
	}
}

// wipe forgets every container and address: the host went down.
func (r *fakeRuntime) wipe() {
	r.gen++
	r.ctrs, r.pods, r.freePods, r.byUID = nil, nil, nil, nil
	r.used = [4]uint64{}
}

// firstCap is the capacity the container and pod arrays start with: a
// node runs tens of pods, which arrays doubling from one element would
// copy five times over on their way to the first thirty.
const firstCap = 16

// formatID spells a container's id: "%02x%06x" of the node's index
// (modulo 256) and seq.
func (r *fakeRuntime) formatID(seq uint32) string {
	var buf [24]byte
	b := appendHex(buf[:0], uint64(r.index%256), 2)
	return string(appendHex(b, uint64(seq), 6))
}

// appendHex appends v in lower-case hex, zero-padded to width digits.
func appendHex(b []byte, v uint64, width int) []byte {
	var d [16]byte
	s := strconv.AppendUint(d[:0], v, 16)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// find returns the container id names, or nil. The pointer is valid until
// a container is created or removed.
func (r *fakeRuntime) find(id string) *container {
	seq, ok := r.parseID(id)
	if !ok {
		return nil
	}
	i, found := slices.BinarySearchFunc(r.ctrs, seq, func(c container, s uint32) int {
		return cmp.Compare(c.seq, s)
	})
	if !found {
		return nil
	}
	return &r.ctrs[i]
}

// parseID returns the seq of a container id formatID spelled for this
// runtime, and false for any other string.
func (r *fakeRuntime) parseID(id string) (uint32, bool) {
	if len(id) < 8 || len(id) > 10 {
		return 0, false
	}
	seq, err := strconv.ParseUint(id[2:], 16, 32)
	if err != nil {
		return 0, false
	}
	// Only the exact spelling names the container: no upper case, no
	// padding beyond formatID's.
	var buf [24]byte
	b := appendHex(buf[:0], uint64(r.index%256), 2)
	if string(appendHex(b, seq, 6)) != id {
		return 0, false
	}
	return uint32(seq), true
}

// create adds a container of pod ref and returns its id.
func (r *fakeRuntime) create(ref node.PodRef, name string, attempt int32, beh *Behavior, hostNet bool) string {
	r.nextID++
	if r.ctrs == nil {
		r.ctrs = make([]container, 0, firstCap)
	}
	r.ctrs = append(r.ctrs, container{seq: r.nextID, attempt: attempt, pod: r.addPod(ref), state: ctrCreated,
		hostNet: hostNet, name: name, beh: beh})
	return r.formatID(r.nextID)
}

// remove removes container ct; its pod goes (with its address) with its
// last container.
func (r *fakeRuntime) remove(ct *container) {
	slot := ct.pod
	i, _ := slices.BinarySearchFunc(r.ctrs, ct.seq, func(c container, s uint32) int { return cmp.Compare(c.seq, s) })
	r.ctrs = slices.Delete(r.ctrs, i, i+1)
	p := &r.pods[slot]
	if p.ctrs--; p.ctrs > 0 {
		return
	}
	r.releaseIP(p.host)
	if j, ok := r.searchUID(p.ref.UID); ok {
		r.byUID = slices.Delete(r.byUID, j, j+1)
	}
	*p = rtPod{}
	r.freePods = append(r.freePods, slot)
	if len(r.byUID) == 0 { // the last pod: the arrays start again
		r.pods, r.freePods = r.pods[:0], r.freePods[:0]
	}
}

// searchUID returns the position of uid's slot in byUID, or where it would
// go.
func (r *fakeRuntime) searchUID(uid string) (int, bool) {
	return slices.BinarySearchFunc(r.byUID, uid, func(slot uint32, uid string) int {
		return strings.Compare(r.pods[slot].ref.UID, uid)
	})
}

// pod returns the record of pod uid, or nil.
func (r *fakeRuntime) pod(uid string) *rtPod {
	if j, ok := r.searchUID(uid); ok {
		return &r.pods[r.byUID[j]]
	}
	return nil
}

// addPod counts one more container of pod ref and returns its slot.
func (r *fakeRuntime) addPod(ref node.PodRef) uint32 {
	j, ok := r.searchUID(ref.UID)
	if ok {
		slot := r.byUID[j]
		r.pods[slot].ctrs++
		return slot
	}
	var slot uint32
	if n := len(r.freePods); n > 0 {
		slot, r.freePods = r.freePods[n-1], r.freePods[:n-1]
	} else {
		if r.pods == nil {
			r.pods, r.byUID = make([]rtPod, 0, firstCap), make([]uint32, 0, firstCap)
		}
		slot = uint32(len(r.pods))
		r.pods = append(r.pods, rtPod{})
	}
	r.pods[slot] = rtPod{ref: ref, ctrs: 1}
	r.byUID = slices.Insert(r.byUID, j, slot)
	return slot
}

// allocIP gives pod p an address from the node's pod CIDR (.2 to .254),
// the lowest free one, unless it has one.
func (r *fakeRuntime) allocIP(p *rtPod) {
	if p.host != 0 {
		return
	}
	for h := 2; h < 255; h++ {
		if r.used[h/64]&(1<<(h%64)) == 0 {
			r.used[h/64] |= 1 << (h % 64)
			p.host = uint8(h)
			return
		}
	}
	// The CIDR is full: the pod has no address.
}

func (r *fakeRuntime) releaseIP(h uint8) {
	if h != 0 {
		r.used[h/64] &^= 1 << (h % 64)
	}
}

// appendIP appends the address of host part h in the node's pod CIDR:
// 10.(244+index/256).(index%256).h.
func (r *fakeRuntime) appendIP(b []byte, h uint8) []byte {
	b = append(b, "10."...)
	b = append(strconv.AppendInt(b, int64(244+r.index/256), 10), '.')
	b = append(strconv.AppendInt(b, int64(r.index%256), 10), '.')
	return strconv.AppendInt(b, int64(h), 10)
}

// podIP returns the address of the pod uid names, as the pod's status
// spells it (address and list), and false if it has none. Every call for
// the pod returns the same memory, so that the versions of its status
// share one copy; the caller must not modify it.
func (r *fakeRuntime) podIP(uid string) (string, []api.PodIP, bool) {
	p := r.pod(uid)
	if p == nil || p.host == 0 {
		return "", nil, false
	}
	if p.ip == nil {
		var buf [24]byte
		p.ip = &[1]api.PodIP{{IP: string(r.appendIP(buf[:0], p.host))}}
	}
	return p.ip[0].IP, p.ip[:], true
}

// inventory lists the containers, for an adopting machine.
func (r *fakeRuntime) inventory() []node.RuntimeContainer {
	out := make([]node.RuntimeContainer, 0, len(r.ctrs))
	for i := range r.ctrs {
		ct := &r.ctrs[i]
		p := &r.pods[ct.pod].ref
		out = append(out, node.RuntimeContainer{ID: r.formatID(ct.seq), PodUID: p.UID, PodNamespace: p.Namespace,
			PodName: p.Name, Container: ct.name, Attempt: ct.attempt, State: ct.state.String(),
			StartedAt: ct.startedAt, FinishedAt: ct.finished, ExitCode: ct.exitCode, Reason: ct.reason()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
