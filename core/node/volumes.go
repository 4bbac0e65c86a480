package node

import (
	"fmt"
	"hash/fnv"

	"github.com/capstan-dev/capstan/core/api"
)

type volPhase uint8

const (
	volNone        volPhase = iota // nothing done (or could not resolve)
	volSettingUp                   // SetupVolume outstanding
	volReady                       // set up
	volFailed                      // setup or teardown failed; retry at retryAt
	volTearingDown                 // TeardownVolume outstanding
	volTornDown                    // released
)

var volPhaseNames = [...]string{"none", "setting-up", "ready", "failed", "tearing-down", "torn-down"}

func (v volPhase) String() string { return volPhaseNames[v] }

// volState is the machine's view of one pod volume.
type volState struct {
	phase   volPhase
	kind    VolumeKind
	source  string
	retryAt api.Time
	// msg is why the volume cannot be set up yet (a FailedMount event is
	// emitted when it changes).
	msg string
	// dataHash fingerprints the projected files of a secret or configMap
	// volume, to notice changes.
	dataHash uint64
}

func (p *podState) volIndex(name string) int {
	for i := range p.pod.Spec.Volumes {
		if p.pod.Spec.Volumes[i].Name == name {
			return i
		}
	}
	return -1
}

// syncVolumes sets up the pod's volumes and reports whether all are ready.
func (m *Machine) syncVolumes(p *podState) bool {
	refresh := false
	if p.x != nil {
		refresh, p.x.refreshVolumes = p.x.refreshVolumes, false
	}
	ready := true
	for vi := range p.pod.Spec.Volumes {
		v, s := &p.pod.Spec.Volumes[vi], &p.vols()[vi]
		switch s.phase {
		case volReady:
			if refresh && (s.kind == VolumeSecret || s.kind == VolumeConfigMap) {
				if sv, err := m.resolveVolume(p, v); err == nil && hashFiles(sv.Files) != s.dataHash {
					s.dataHash = hashFiles(sv.Files)
					m.act(sv)
				}
			}
			continue
		case volSettingUp:
			ready = false
			continue
		case volFailed:
			if m.now < s.retryAt {
				m.wakeAt(p, s.retryAt)
				ready = false
				continue
			}
		}
		ready = false
		sv, err := m.resolveVolume(p, v)
		if err != nil {
			msg := fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", v.Name, err)
			if msg != s.msg {
				m.event(p, api.EventTypeWarning, "FailedMount", msg)
			}
			s.msg, s.phase = msg, volNone
			p.cold().blockedOnObjects = true
			continue
		}
		s.msg, s.kind, s.source, s.dataHash = "", sv.Kind, sv.Source, hashFiles(sv.Files)
		s.phase = volSettingUp
		m.act(sv)
	}
	return ready
}

// teardownVolumes releases the pod's volumes and reports whether all are
// released.
func (m *Machine) teardownVolumes(p *podState) bool {
	done := true
	for vi := range p.vols() {
		s := &p.vols()[vi]
		switch s.phase {
		case volNone, volTornDown:
			continue
		case volFailed:
			if m.now < s.retryAt {
				m.wakeAt(p, s.retryAt)
				done = false
				continue
			}
		case volSettingUp, volTearingDown:
			done = false
			continue
		}
		if s.kind == VolumeHostPath {
			s.phase = volTornDown // nothing to release
			continue
		}
		s.phase = volTearingDown
		m.act(TeardownVolume{Pod: p.ref(), Volume: p.pod.Spec.Volumes[vi].Name, Kind: s.kind})
		done = false
	}
	return done
}

func (m *Machine) volumeOf(uid, name string) (*podState, *volState) {
	p := m.pods.get(uid)
	if p == nil || p.finished {
		return nil, nil
	}
	vi := p.volIndex(name)
	if vi < 0 {
		return nil, nil
	}
	return p, &p.vols()[vi]
}

func (m *Machine) handleVolumeReady(uid, name string) {
	if p, s := m.volumeOf(uid, name); s != nil && s.phase == volSettingUp {
		s.phase = volReady
		m.markDirty(p)
	}
}

func (m *Machine) handleVolumeFailed(uid, name, msg string) {
	if p, s := m.volumeOf(uid, name); s != nil && s.phase == volSettingUp {
		s.phase, s.retryAt = volFailed, m.after(m.cfg.RetryPeriod)
		m.event(p, api.EventTypeWarning, "FailedMount", fmt.Sprintf("MountVolume.SetUp failed for volume %q : %s", name, msg))
		m.markDirty(p)
	}
}

func (m *Machine) handleVolumeTornDown(uid, name string) {
	if p, s := m.volumeOf(uid, name); s != nil && s.phase == volTearingDown {
		s.phase = volTornDown
		m.markDirty(p)
	}
}

// refreshProjected marks the pods of namespace ns whose volumes project
// the secret or configMap name, so their files are rewritten if changed.
// It looks at every pod of the node (a few dozen): an index by namespace
// would cost every pod a map entry for the rare secret update.
func (m *Machine) refreshProjected(ns string, kind VolumeKind, name string) {
	for _, e := range m.pods {
		p := e.p
		if p.pod.Namespace != ns {
			continue
		}
		for _, v := range p.pod.Spec.Volumes {
			if (kind == VolumeSecret && v.Secret != nil && v.Secret.SecretName == name) ||
				(kind == VolumeConfigMap && v.ConfigMap != nil && v.ConfigMap.Name == name) {
				p.cold().refreshVolumes = true
				m.markDirty(p) // flush sorts
				break
			}
		}
	}
}

// resolveVolume turns a pod volume into the SetupVolume the shell executes,
// or says what is missing.
func (m *Machine) resolveVolume(p *podState, v *api.Volume) (SetupVolume, error) {
	ns := p.pod.Namespace
	sv := SetupVolume{Pod: p.ref(), Volume: v.Name}
	switch {
	case v.EmptyDir != nil:
		sv.Kind, sv.Medium = VolumeEmptyDir, v.EmptyDir.Medium
		if v.EmptyDir.SizeLimit != nil {
			sv.SizeLimit = v.EmptyDir.SizeLimit.Value()
		}
	case v.HostPath != nil:
		sv.Kind, sv.Source = VolumeHostPath, v.HostPath.Path
		if v.HostPath.Type != nil {
			sv.HostPathType = *v.HostPath.Type
		}
	case v.Secret != nil:
		sv.Kind = VolumeSecret
		src := v.Secret
		s := m.objs.secrets[nsName{ns, src.SecretName}]
		if s == nil {
			if isTrue(src.Optional) {
				return sv, nil
			}
			return sv, fmt.Errorf("secret %q not found", src.SecretName)
		}
		files, err := project(s.Data, src.Items, src.DefaultMode, isTrue(src.Optional), true)
		if err != nil {
			return sv, fmt.Errorf("secret references non-existent secret key: %s", err.Error())
		}
		sv.Files = files
	case v.ConfigMap != nil:
		sv.Kind = VolumeConfigMap
		src := v.ConfigMap
		cm := m.objs.configMaps[nsName{ns, src.Name}]
		if cm == nil {
			if isTrue(src.Optional) {
				return sv, nil
			}
			return sv, fmt.Errorf("configmap %q not found", src.Name)
		}
		data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
		for k, val := range cm.Data {
			data[k] = []byte(val)
		}
		for k, val := range cm.BinaryData {
			data[k] = val
		}
		files, err := project(data, src.Items, src.DefaultMode, isTrue(src.Optional), false)
		if err != nil {
			return sv, fmt.Errorf("configmap references non-existent config key: %s", err.Error())
		}
		sv.Files = files
	case v.PersistentVolumeClaim != nil:
		sv.Kind = VolumePVC
		src := v.PersistentVolumeClaim
		sv.ReadOnly = src.ReadOnly
		path, err := m.claimPath(ns, src.ClaimName)
		if err != nil {
			return sv, err
		}
		sv.Source = path
	default:
		return sv, fmt.Errorf("volume %q has no supported source", v.Name)
	}
	return sv, nil
}

// claimPath follows a claim to its bound volume's directory.
func (m *Machine) claimPath(ns, claim string) (string, error) {
	pvc := m.objs.claims[nsName{ns, claim}]
	if pvc == nil {
		return "", fmt.Errorf("persistentvolumeclaim %q not found", claim)
	}
	if pvc.Status.Phase != api.ClaimBound || pvc.Spec.VolumeName == "" {
		return "", fmt.Errorf("PVC %s/%s has non-bound phase (%q) or empty pvc.Spec.VolumeName (%q)",
			ns, claim, pvc.Status.Phase, pvc.Spec.VolumeName)
	}
	pv := m.objs.volumes[pvc.Spec.VolumeName]
	if pv == nil {
		return "", fmt.Errorf("persistentvolume %q not found", pvc.Spec.VolumeName)
	}
	if ref := pv.Spec.ClaimRef; ref != nil && (ref.Namespace != ns || ref.Name != claim || (ref.UID != "" && pvc.UID != "" && ref.UID != pvc.UID)) {
		return "", fmt.Errorf("persistentvolume %q is bound to another claim (%s/%s)", pv.Name, ref.Namespace, ref.Name)
	}
	switch {
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, nil
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, nil
	}
	return "", fmt.Errorf("persistentvolume %q has no local or hostPath source", pv.Name)
}

// project lays out data as files: every key (sorted), or just items. A
// missing item key is an error unless optional; its text is the key.
func project(data map[string][]byte, items []api.KeyToPath, defMode *int32, optional, sensitive bool) ([]File, error) {
	mode := int32(0o644)
	if defMode != nil {
		mode = *defMode
	}
	if len(items) == 0 {
		files := make([]File, 0, len(data))
		for _, k := range sortedKeys(data) {
			files = append(files, File{Path: k, Mode: mode, Data: data[k], Sensitive: sensitive})
		}
		return files, nil
	}
	files := make([]File, 0, len(items))
	for _, it := range items {
		d, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("%s", it.Key)
		}
		f := File{Path: it.Path, Mode: mode, Data: d, Sensitive: sensitive}
		if it.Mode != nil {
			f.Mode = *it.Mode
		}
		files = append(files, f)
	}
	return files, nil
}

func hashFiles(files []File) uint64 {
	if len(files) == 0 {
		return 0
	}
	h := fnv.New64a()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", f.Path, f.Mode, len(f.Data))
		h.Write(f.Data)
	}
	return h.Sum64()
}
