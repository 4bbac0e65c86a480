package api

import (
	"path"
	"strings"
)

// Validation of a pod's volumes and of the containers' volume mounts.

// validateVolumes checks a pod's volumes and returns their names.
func validateVolumes(vols []Volume, p *FieldPath) (map[string]bool, ErrorList) {
	var names map[string]bool // nil, read as empty, for a pod without volumes
	if len(vols) > 0 {
		names = make(map[string]bool, len(vols))
	}
	var errs ErrorList
	for i := range vols {
		v := &vols[i]
		idx := p.Index(i)
		errs = append(errs, validateVolumeSource(v, idx)...)
		if v.Name == "" {
			errs = append(errs, idx.Child("name").Required(""))
			continue
		}
		errs = append(errs, validateDNS1123Label(v.Name, idx.Child("name"))...)
		if names[v.Name] {
			errs = append(errs, idx.Child("name").Duplicate(v.Name))
		}
		names[v.Name] = true
	}
	return names, errs
}

var supportedHostPathTypes = []string{"", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"}

// validateVolumeSource checks that exactly one source is set, and it.
func validateVolumeSource(v *Volume, p *FieldPath) ErrorList {
	var errs ErrorList
	n := 0
	one := func(name string) bool {
		if n > 0 {
			errs = append(errs, p.Child(name).Forbidden("may not specify more than 1 volume type"))
			return false
		}
		n++
		return true
	}
	if v.EmptyDir != nil && one("emptyDir") && v.EmptyDir.SizeLimit != nil {
		errs = append(errs, validateNonnegativeQuantity(*v.EmptyDir.SizeLimit, p.Child("emptyDir", "sizeLimit"))...)
	}
	if v.HostPath != nil && one("hostPath") {
		errs = append(errs, validateHostPath(v.HostPath, p.Child("hostPath"))...)
	}
	if v.Secret != nil && one("secret") {
		if v.Secret.SecretName == "" {
			errs = append(errs, p.Child("secret", "secretName").Required(""))
		}
		errs = append(errs, validateProjection(v.Secret.Items, v.Secret.DefaultMode, p.Child("secret"))...)
	}
	if v.ConfigMap != nil && one("configMap") {
		if v.ConfigMap.Name == "" {
			errs = append(errs, p.Child("configMap", "name").Required(""))
		}
		errs = append(errs, validateProjection(v.ConfigMap.Items, v.ConfigMap.DefaultMode, p.Child("configMap"))...)
	}
	if v.PersistentVolumeClaim != nil && one("persistentVolumeClaim") && v.PersistentVolumeClaim.ClaimName == "" {
		errs = append(errs, p.Child("persistentVolumeClaim", "claimName").Required(""))
	}
	if n == 0 {
		errs = append(errs, p.Required("must specify a volume type"))
	}
	return errs
}

func validateHostPath(h *HostPathVolumeSource, p *FieldPath) ErrorList {
	var errs ErrorList
	if h.Path == "" {
		errs = append(errs, p.Child("path").Required(""))
	} else {
		errs = append(errs, validateNoBacksteps(h.Path, p.Child("path"))...)
	}
	if h.Type != nil && !supported(*h.Type, supportedHostPathTypes) {
		errs = append(errs, p.Child("type").NotSupported(*h.Type, supportedHostPathTypes[1:]))
	}
	return errs
}

// validateProjection checks the items and mode of a secret or configMap
// volume.
func validateProjection(items []KeyToPath, mode *int32, p *FieldPath) ErrorList {
	var errs ErrorList
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		errs = append(errs, p.Child("defaultMode").Invalid(*mode, fileModeErrorMsg))
	}
	for i, it := range items {
		idx := p.Child("items").Index(i)
		if it.Key == "" {
			errs = append(errs, idx.Child("key").Required(""))
		}
		errs = append(errs, validateRelativePath(it.Path, idx.Child("path"))...)
		if it.Mode != nil && (*it.Mode < 0 || *it.Mode > 0o777) {
			errs = append(errs, idx.Child("mode").Invalid(*it.Mode, fileModeErrorMsg))
		}
	}
	return errs
}

// validateRelativePath checks a path inside a volume: set, relative, and
// without "..".
func validateRelativePath(s string, p *FieldPath) ErrorList {
	if s == "" {
		return ErrorList{p.Required("")}
	}
	var errs ErrorList
	if path.IsAbs(s) {
		errs = append(errs, p.Invalid(s, "must be a relative path"))
	}
	return append(errs, validateNoBacksteps(s, p)...)
}

func validateNoBacksteps(s string, p *FieldPath) ErrorList {
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return ErrorList{p.Invalid(s, "must not contain '..'")}
		}
	}
	return nil
}

func validateVolumeMounts(mounts []VolumeMount, volumes map[string]bool, p *FieldPath) ErrorList {
	var errs ErrorList
	seen := map[string]bool{}
	for i, m := range mounts {
		idx := p.Index(i)
		if m.Name == "" {
			errs = append(errs, idx.Child("name").Required(""))
		} else if !volumes[m.Name] {
			errs = append(errs, idx.Child("name").NotFound(m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, idx.Child("mountPath").Required(""))
		} else if seen[m.MountPath] {
			errs = append(errs, idx.Child("mountPath").Invalid(m.MountPath, "must be unique"))
		}
		seen[m.MountPath] = true
		if m.SubPath != "" {
			if path.IsAbs(m.SubPath) {
				errs = append(errs, idx.Child("subPath").Invalid(m.SubPath, "must be a relative path"))
			}
			errs = append(errs, validateNoBacksteps(m.SubPath, idx.Child("subPath"))...)
		}
	}
	return errs
}
