package printers

import (
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

func init() {
	accessModes := col("Access Modes", "string", "accessModes contains all ways the volume can be mounted.")
	storageClass := col("StorageClass", "string", "storageClassName is the name of StorageClass to which this persistent volume belongs.")
	vac := col("VolumeAttributesClass", "string", "Name of VolumeAttributesClass to which this persistent volume belongs.")
	volumeMode := wide(col("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."))
	printers["PersistentVolume"] = printer{
		columns: []Column{
			nameColumn,
			col("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity."),
			accessModes,
			col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
			col("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
			col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
			storageClass, vac,
			col("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
			ageColumn, volumeMode,
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			pv := o.(*api.PersistentVolume)
			claim := ""
			if r := pv.Spec.ClaimRef; r != nil {
				claim = r.Namespace + "/" + r.Name
			}
			phase := pv.Status.Phase
			if pv.DeletionTimestamp != nil {
				phase = "Terminating"
			}
			return []any{pv.Name, storageOf(pv.Spec.Capacity), AccessModes(pv.Spec.AccessModes), pv.Spec.PersistentVolumeReclaimPolicy,
				phase, claim, pv.Spec.StorageClassName, "<unset>", pv.Status.Reason, Since(pv.CreationTimestamp, now),
				unset(pv.Spec.VolumeMode)}, nil
		},
	}
	printers["PersistentVolumeClaim"] = printer{
		columns: []Column{
			nameColumn,
			col("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
			col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
			col("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
			accessModes, storageClass, vac, ageColumn, volumeMode,
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			c := o.(*api.PersistentVolumeClaim)
			phase := c.Status.Phase
			if c.DeletionTimestamp != nil {
				phase = "Terminating"
			}
			capacity, modes := "", ""
			if c.Spec.VolumeName != "" {
				capacity, modes = storageOf(c.Status.Capacity), AccessModes(c.Status.AccessModes)
			}
			class := ""
			if c.Spec.StorageClassName != nil {
				class = *c.Spec.StorageClassName
			}
			mode := ""
			if c.Spec.VolumeMode != nil {
				mode = *c.Spec.VolumeMode
			}
			return []any{c.Name, phase, c.Spec.VolumeName, capacity, modes, class, "<unset>",
				Since(c.CreationTimestamp, now), unset(mode)}, nil
		},
	}
}

func storageOf(l api.ResourceList) string {
	if q, ok := l[api.ResourceStorage]; ok {
		return q.String()
	}
	return ""
}

func unset(s string) string {
	if s == "" {
		return "<unset>"
	}
	return s
}

// AccessModes prints access modes as kubectl does: RWO,ROX,RWX,RWOP in that
// order, each once.
func AccessModes(modes []string) string {
	var out []string
	for _, m := range []struct{ mode, short string }{
		{api.ReadWriteOnce, "RWO"}, {api.ReadOnlyMany, "ROX"}, {api.ReadWriteMany, "RWX"}, {api.ReadWriteOncePod, "RWOP"},
	} {
		for _, have := range modes {
			if have == m.mode {
				out = append(out, m.short)
				break
			}
		}
	}
	return strings.Join(out, ",")
}
