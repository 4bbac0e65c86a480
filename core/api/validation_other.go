package api

// Validation of the remaining kinds: Secret, ConfigMap, PersistentVolume,
// PersistentVolumeClaim, Node, Lease, Event, ServiceAccount, Namespace.

// MaxSecretSize bounds the data of a Secret or ConfigMap: 1 MiB.
const MaxSecretSize = 1 << 20

// Secret types with required keys.
const (
	SecretTypeTLS              = "kubernetes.io/tls"
	SecretTypeDockerConfigJSON = "kubernetes.io/dockerconfigjson"
	SecretTypeBasicAuth        = "kubernetes.io/basic-auth"
	SecretTypeSSHAuth          = "kubernetes.io/ssh-auth"
)

func validateSecret(s *Secret) ErrorList {
	errs := validateObjectMeta(&s.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	dp := NewPath("data")
	size := 0
	for _, k := range sortedStringKeys(s.Data) {
		errs = append(errs, validateConfigKey(k, dp.Key(k))...)
		size += len(s.Data[k])
	}
	// stringData is merged into data by Default; before that it counts too.
	for _, k := range sortedStringKeys(s.StringData) {
		errs = append(errs, validateConfigKey(k, NewPath("stringData").Key(k))...)
		size += len(s.StringData[k])
	}
	if size > MaxSecretSize {
		errs = append(errs, dp.TooLong("", MaxSecretSize))
	}
	has := func(k string) bool {
		_, inData := s.Data[k]
		_, inString := s.StringData[k]
		return inData || inString
	}
	var required []string
	switch s.Type {
	case SecretTypeTLS:
		required = []string{"tls.crt", "tls.key"}
	case SecretTypeDockerConfigJSON:
		required = []string{".dockerconfigjson"}
	case SecretTypeSSHAuth:
		required = []string{"ssh-privatekey"}
	case SecretTypeBasicAuth:
		if !has("username") && !has("password") {
			errs = append(errs, dp.Key("username").Required(""), dp.Key("password").Required(""))
		}
	}
	for _, k := range required {
		if !has(k) {
			errs = append(errs, dp.Key(k).Required(""))
		}
	}
	return errs
}

func validateConfigKey(k string, p *FieldPath) ErrorList {
	var errs ErrorList
	for _, msg := range IsConfigMapKey(k) {
		errs = append(errs, p.Invalid(k, msg))
	}
	return errs
}

func validateConfigMap(c *ConfigMap) ErrorList {
	errs := validateObjectMeta(&c.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	size := 0
	for _, k := range sortedStringKeys(c.Data) {
		kp := NewPath("data").Key(k)
		errs = append(errs, validateConfigKey(k, kp)...)
		if _, dup := c.BinaryData[k]; dup {
			errs = append(errs, kp.Invalid(k, "duplicate of key present in binaryData"))
		}
		size += len(c.Data[k])
	}
	for _, k := range sortedStringKeys(c.BinaryData) {
		kp := NewPath("binaryData").Key(k)
		errs = append(errs, validateConfigKey(k, kp)...)
		if _, dup := c.Data[k]; dup {
			errs = append(errs, kp.Invalid(k, "duplicate of key present in data"))
		}
		size += len(c.BinaryData[k])
	}
	if size > MaxSecretSize {
		errs = append(errs, NewPath("data").TooLong("", MaxSecretSize))
	}
	return errs
}

var supportedReclaimPolicies = []string{PersistentVolumeReclaimDelete, PersistentVolumeReclaimRetain}

func validatePersistentVolume(pv *PersistentVolume) ErrorList {
	errs := validateObjectMeta(&pv.ObjectMeta, false, nameIsDNSSubdomain, NewPath("metadata"))
	s, sp := &pv.Spec, NewPath("spec")
	errs = append(errs, validateAccessModes(s.AccessModes, sp.Child("accessModes"), "")...)
	cp := sp.Child("capacity")
	if len(s.Capacity) == 0 {
		errs = append(errs, cp.Required(""))
	} else {
		for _, k := range sortedStringKeys(s.Capacity) {
			if k != ResourceStorage {
				errs = append(errs, cp.NotSupported(k, []string{ResourceStorage}))
				continue
			}
			errs = append(errs, validatePositiveQuantity(s.Capacity[k], cp.Key(k))...)
		}
		if _, ok := s.Capacity[ResourceStorage]; !ok {
			errs = append(errs, cp.Key(ResourceStorage).Required(""))
		}
	}
	if s.StorageClassName != "" {
		errs = append(errs, validateDNS1123Subdomain(s.StorageClassName, sp.Child("storageClassName"))...)
	}
	if r := s.PersistentVolumeReclaimPolicy; r != "" && !supported(r, supportedReclaimPolicies) {
		errs = append(errs, sp.Child("persistentVolumeReclaimPolicy").NotSupported(r, supportedReclaimPolicies))
	}
	if m := s.VolumeMode; m != "" && !supported(m, supportedVolumeModes) {
		errs = append(errs, sp.Child("volumeMode").NotSupported(m, supportedVolumeModes))
	}
	n := 0
	if s.HostPath != nil {
		n++
		errs = append(errs, validateHostPath(s.HostPath, sp.Child("hostPath"))...)
	}
	if s.Local != nil {
		if n > 0 {
			errs = append(errs, sp.Child("local").Forbidden("may not specify more than 1 volume type"))
		} else {
			n++
			lp := sp.Child("local", "path")
			if s.Local.Path == "" {
				errs = append(errs, lp.Required(""))
			} else {
				errs = append(errs, validateNoBacksteps(s.Local.Path, lp)...)
			}
			if s.NodeAffinity == nil {
				errs = append(errs, sp.Child("nodeAffinity").Required("Local volume requires node affinity"))
			}
		}
	}
	if n == 0 {
		errs = append(errs, sp.Required("must specify a volume type"))
	}
	if na := s.NodeAffinity; na != nil {
		if na.Required == nil {
			errs = append(errs, sp.Child("nodeAffinity", "required").Required("must specify required node constraints"))
		} else {
			errs = append(errs, validateNodeSelector(na.Required, sp.Child("nodeAffinity", "required"))...)
		}
	}
	return errs
}

// validateAccessModes: at least one, each supported, ReadWriteOncePod alone.
func validateAccessModes(modes []string, p *FieldPath, requiredDetail string) ErrorList {
	if len(modes) == 0 {
		return ErrorList{p.Required(requiredDetail)}
	}
	var errs ErrorList
	rwop, others := false, false
	for _, m := range modes {
		switch {
		case !supported(m, supportedAccessModes):
			errs = append(errs, p.NotSupported(m, supportedAccessModes))
		case m == ReadWriteOncePod:
			rwop = true
		default:
			others = true
		}
	}
	if rwop && others {
		errs = append(errs, p.Forbidden("may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

func validatePersistentVolumeClaim(c *PersistentVolumeClaim) ErrorList {
	errs := validateObjectMeta(&c.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	s, sp := &c.Spec, NewPath("spec")
	errs = append(errs, validateAccessModes(s.AccessModes, sp.Child("accessModes"), "at least 1 access mode is required")...)
	errs = append(errs, validateLabelSelector(s.Selector, sp.Child("selector"))...)
	// Kubernetes reports the storage request at "spec.resources[storage]".
	rp := sp.Child("resources").Key(ResourceStorage)
	if q, ok := s.Resources.Requests[ResourceStorage]; !ok {
		errs = append(errs, rp.Required(""))
	} else {
		errs = append(errs, validatePositiveQuantity(q, rp)...)
	}
	if sc := s.StorageClassName; sc != nil && *sc != "" {
		errs = append(errs, validateDNS1123Subdomain(*sc, sp.Child("storageClassName"))...)
	}
	if m := s.VolumeMode; m != nil && !supported(*m, supportedVolumeModes) {
		errs = append(errs, sp.Child("volumeMode").NotSupported(*m, supportedVolumeModes))
	}
	return errs
}

func validateNode(n *Node) ErrorList {
	errs := validateObjectMeta(&n.ObjectMeta, false, nameIsDNSSubdomain, NewPath("metadata"))
	sp := NewPath("spec")
	if n.Spec.PodCIDR != "" {
		for _, msg := range IsValidCIDR(n.Spec.PodCIDR) {
			errs = append(errs, sp.Child("podCIDR").Invalid(n.Spec.PodCIDR, msg))
		}
	}
	for i, c := range n.Spec.PodCIDRs {
		for _, msg := range IsValidCIDR(c) {
			errs = append(errs, sp.Child("podCIDRs").Index(i).Invalid(c, msg))
		}
	}
	if len(n.Spec.PodCIDRs) > 0 && n.Spec.PodCIDR != "" && n.Spec.PodCIDRs[0] != n.Spec.PodCIDR {
		errs = append(errs, sp.Child("podCIDRs").Invalid(n.Spec.PodCIDRs, "first value must match `podCIDR`"))
	}
	errs = append(errs, validateTaints(n.Spec.Taints, sp.Child("taints"))...)
	st := NewPath("status")
	for _, name := range sortedStringKeys(n.Status.Capacity) {
		errs = append(errs, validateNonnegativeQuantity(n.Status.Capacity[name], st.Child("capacity").Key(name))...)
	}
	for _, name := range sortedStringKeys(n.Status.Allocatable) {
		errs = append(errs, validateNonnegativeQuantity(n.Status.Allocatable[name], st.Child("allocatable").Key(name))...)
	}
	return errs
}

func validateLease(l *Lease) ErrorList {
	errs := validateObjectMeta(&l.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	sp := NewPath("spec")
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, sp.Child("leaseDurationSeconds").Invalid(*d, "must be greater than 0"))
	}
	if t := l.Spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, sp.Child("leaseTransitions").Invalid(*t, isNegativeErrorMsg))
	}
	return errs
}

var supportedEventTypes = []string{EventTypeNormal, EventTypeWarning}

func validateEvent(e *Event) ErrorList {
	errs := validateObjectMeta(&e.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	// The event lives in its object's namespace; events about
	// cluster-scoped objects live in "default" (or no namespace).
	nsp := NewPath("involvedObject", "namespace")
	if ins := e.InvolvedObject.Namespace; ins == "" {
		if e.Namespace != "" && e.Namespace != "default" {
			errs = append(errs, nsp.Invalid(ins, "does not match event.namespace"))
		}
	} else if ins != e.Namespace {
		errs = append(errs, nsp.Invalid(ins, "does not match event.namespace"))
	}
	if e.Type != "" && !supported(e.Type, supportedEventTypes) {
		errs = append(errs, NewPath("type").NotSupported(e.Type, supportedEventTypes))
	}
	errs = append(errs, validateNonnegative(e.Count, NewPath("count"))...)
	return errs
}

func validateServiceAccount(sa *ServiceAccount) ErrorList {
	errs := validateObjectMeta(&sa.ObjectMeta, true, nameIsDNSSubdomain, NewPath("metadata"))
	for i, s := range sa.ImagePullSecrets {
		if s.Name == "" {
			errs = append(errs, NewPath("imagePullSecrets").Index(i).Child("name").Required(""))
		}
	}
	return errs
}

var supportedNamespacePhases = []string{NamespaceActive, NamespaceTerminating}

func validateNamespace(ns *Namespace) ErrorList {
	errs := validateObjectMeta(&ns.ObjectMeta, false, nameIsDNSLabel, NewPath("metadata"))
	for i, f := range ns.Spec.Finalizers {
		for _, msg := range IsQualifiedName(f) {
			errs = append(errs, NewPath("spec", "finalizers").Index(i).Invalid(f, msg))
		}
	}
	if ph := ns.Status.Phase; ph != "" && !supported(ph, supportedNamespacePhases) {
		errs = append(errs, NewPath("status", "phase").NotSupported(ph, supportedNamespacePhases))
	}
	return errs
}
