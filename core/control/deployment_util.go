package control

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/capstan-dev/capstan/core/api"
)

// Well-known deployment labels and annotations.
const (
	// LabelPodTemplateHash tells the ReplicaSets of one Deployment apart.
	LabelPodTemplateHash = "pod-template-hash"
	// AnnotationRevision numbers a Deployment's rollouts, on the
	// Deployment and on its ReplicaSets.
	AnnotationRevision = "deployment.kubernetes.io/revision"
	// AnnotationRevisionHistory lists the earlier revisions a reused
	// ReplicaSet had.
	AnnotationRevisionHistory = "deployment.kubernetes.io/revision-history"
	// AnnotationDesiredReplicas is the Deployment's replicas when it last
	// scaled the ReplicaSet; AnnotationMaxReplicas that plus maxSurge.
	AnnotationDesiredReplicas = "deployment.kubernetes.io/desired-replicas"
	AnnotationMaxReplicas     = "deployment.kubernetes.io/max-replicas"
	annotationLastApplied     = "kubectl.kubernetes.io/last-applied-configuration"
	annotationRollbackTo      = "deprecated.deployment.rollback.to"
	// maxRevisionHistoryChars bounds AnnotationRevisionHistory.
	maxRevisionHistoryChars = 2000
)

// Deployment condition reasons, as Kubernetes spells them.
const (
	reasonNewRSCreated      = "NewReplicaSetCreated"
	reasonFoundNewRS        = "FoundNewReplicaSet"
	reasonNewRSAvailable    = "NewReplicaSetAvailable"
	reasonRSUpdated         = "ReplicaSetUpdated"
	reasonTimedOut          = "ProgressDeadlineExceeded"
	reasonPaused            = "DeploymentPaused"
	reasonResumed           = "DeploymentResumed"
	reasonMinAvailable      = "MinimumReplicasAvailable"
	reasonMinUnavailable    = "MinimumReplicasUnavailable"
	reasonFailedRSCreate    = "ReplicaSetCreateError"
	deploymentReplicaFailed = "ReplicaFailure"
)

// templateHash is kube's ComputeHash: FNV-32a of the template (its
// canonical JSON here, where kube hashes its Go dump) and of the collision
// count, printed in decimal and re-encoded into the name alphabet.
func templateHash(t *api.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, _ := json.Marshal(t)
	h.Write(b)
	if collisionCount != nil {
		var cb [8]byte
		binary.LittleEndian.PutUint32(cb[:], uint32(*collisionCount))
		h.Write(cb[:])
	}
	return safeEncode(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// safeEncode is kube's rand.SafeEncodeString: each character mapped into
// the name alphabet, so that the result has no vowels.
func safeEncode(s string) string {
	r := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = nameAlphabet[int(s[i])%len(nameAlphabet)]
	}
	return string(r)
}

// templateIdentity returns a 64-bit fingerprint of a pod template without
// its pod-template-hash label: two templates with the same fingerprint are
// taken as equal (kube's EqualIgnoreHash). It is cached per entry
// (mirror.memos) while the object's generation does not change.
func (m *mirror) templateIdentity(e *entry) uint64 {
	if id, ok := m.memos[e]; ok {
		return id
	}
	var t *api.PodTemplateSpec
	switch o := e.obj.(type) {
	case *api.ReplicaSet:
		t = &o.Spec.Template
	case *api.Deployment:
		t = &o.Spec.Template
	default:
		return 0
	}
	id := fingerprint(t)
	m.memos[e] = id
	return id
}

// fingerprint hashes t's JSON; a template with the pod-template-hash
// label is encoded from a copy without it.
func fingerprint(t *api.PodTemplateSpec) uint64 {
	if _, ok := t.Labels[LabelPodTemplateHash]; ok {
		c := *t
		c.Labels = make(map[string]string, len(t.Labels))
		for k, v := range t.Labels {
			if k != LabelPodTemplateHash {
				c.Labels[k] = v
			}
		}
		t = &c
	}
	b, _ := json.Marshal(t)
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// isRolling reports whether the deployment rolls (as opposed to recreates).
func isRolling(d *api.Deployment) bool {
	return d.Spec.Strategy.Type != api.RecreateDeploymentStrategyType
}

// resolveFenceposts is kube's ResolveFenceposts: maxSurge rounds up,
// maxUnavailable down, and if both come to 0 maxUnavailable is 1.
func resolveFenceposts(d *api.Deployment) (surge, unavailable int32) {
	desired := int(replicasOf(d.Spec.Replicas))
	ms, mu := api.FromString("25%"), api.FromString("25%")
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		ms, mu = api.FromInt(0), api.FromInt(0)
		if ru.MaxSurge != nil {
			ms = *ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			mu = *ru.MaxUnavailable
		}
	}
	s, _ := ms.ScaledValue(desired, true)
	u, _ := mu.ScaledValue(desired, false)
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u)
}

// maxSurge is kube's MaxSurge.
func maxSurge(d *api.Deployment) int32 {
	if !isRolling(d) {
		return 0
	}
	s, _ := resolveFenceposts(d)
	return s
}

// maxUnavailable is kube's MaxUnavailable.
func maxUnavailable(d *api.Deployment) int32 {
	r := replicasOf(d.Spec.Replicas)
	if !isRolling(d) || r == 0 {
		return 0
	}
	_, u := resolveFenceposts(d)
	return min(u, r)
}

// revisionOf returns a ReplicaSet's revision annotation as a number (0
// when missing or malformed).
func revisionOf(rs *api.ReplicaSet) int64 {
	v, err := strconv.ParseInt(rs.Annotations[AnnotationRevision], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// annotationInt32 reads an integer annotation.
func annotationInt32(ann map[string]string, k string) (int32, bool) {
	s, ok := ann[k]
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(v), true
}

// skipCopyAnnotation lists the deployment annotations not copied onto its
// ReplicaSets.
func skipCopyAnnotation(k string) bool {
	switch k {
	case annotationLastApplied, AnnotationRevision, AnnotationRevisionHistory,
		AnnotationDesiredReplicas, AnnotationMaxReplicas, annotationRollbackTo:
		return true
	}
	return false
}

// appendRevisionHistory returns history with rev appended, dropping the
// oldest entries to stay within maxRevisionHistoryChars.
func appendRevisionHistory(history, rev string) string {
	if history == "" {
		return rev
	}
	old := strings.Split(history, ",")
	total := len(history) + len(rev) + 1
	start := 0
	for total > maxRevisionHistoryChars && start < len(old) {
		total -= len(old[start]) + 1
		start++
	}
	if total > maxRevisionHistoryChars {
		return history
	}
	return strings.Join(append(old[start:], rev), ",")
}

func secondsDuration(s int32) time.Duration { return time.Duration(s) * time.Second }

// roundDiv returns a/b rounded half away from zero, for a >= 0, b > 0.
func roundDiv(a, b int64) int64 { return (2*a + b) / (2 * b) }
