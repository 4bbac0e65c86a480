package printers

import (
	"sort"
	"strings"

	"github.com/capstan-dev/capstan/core/api"
)

func init() {
	printers["Node"] = printer{
		columns: []Column{
			nameColumn,
			col("Status", "string", "The status of the node"),
			col("Roles", "string", "The roles of the node"),
			ageColumn,
			col("Version", "string", "Kubelet Version reported by the node."),
			wide(col("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.")),
			wide(col("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.")),
			wide(col("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).")),
			wide(col("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).")),
			wide(col("Container-Runtime", "string", "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).")),
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			n := o.(*api.Node)
			info := n.Status.NodeInfo
			return []any{n.Name, NodeStatus(n), NodeRoles(n.Labels), Since(n.CreationTimestamp, now), info.KubeletVersion,
				nodeAddress(n, "InternalIP"), nodeAddress(n, "ExternalIP"),
				unknown(info.OSImage), unknown(info.KernelVersion), unknown(info.ContainerRuntimeVersion)}, nil
		},
	}
	printers["Namespace"] = printer{
		columns: []Column{nameColumn, col("Status", "string", "The status of the namespace"), ageColumn},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			ns := o.(*api.Namespace)
			return []any{ns.Name, ns.Status.Phase, Since(ns.CreationTimestamp, now)}, nil
		},
	}
	printers["Secret"] = printer{
		columns: []Column{nameColumn, col("Type", "string", "The type of the secret"), col("Data", "string", "The number of data entries in the secret"), ageColumn},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			s := o.(*api.Secret)
			return []any{s.Name, s.Type, int64(len(s.Data)), Since(s.CreationTimestamp, now)}, nil
		},
	}
	printers["ConfigMap"] = printer{
		columns: []Column{nameColumn, col("Data", "string", "The number of data entries in the configmap"), ageColumn},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			c := o.(*api.ConfigMap)
			return []any{c.Name, int64(len(c.Data) + len(c.BinaryData)), Since(c.CreationTimestamp, now)}, nil
		},
	}
	printers["ServiceAccount"] = printer{
		columns: []Column{nameColumn, col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), ageColumn},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			sa := o.(*api.ServiceAccount)
			return []any{sa.Name, int64(len(sa.Secrets)), Since(sa.CreationTimestamp, now)}, nil
		},
	}
	printers["Lease"] = printer{
		columns: []Column{nameColumn, col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."), ageColumn},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) {
			l := o.(*api.Lease)
			holder := ""
			if l.Spec.HolderIdentity != nil {
				holder = *l.Spec.HolderIdentity
			}
			return []any{l.Name, holder, Since(l.CreationTimestamp, now)}, nil
		},
	}
	printers["Event"] = printer{
		columns: []Column{
			col("Last Seen", "string", "The last time this event occurred."),
			col("Type", "string", "Type of this event (Normal, Warning)."),
			col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
			col("Object", "string", "The object that this event is about."),
			wide(col("Subobject", "string", "The field of the object that this event is about.")),
			wide(col("Source", "string", "The component reporting this event.")),
			col("Message", "string", "A human-readable description of the status of this operation."),
			wide(col("First Seen", "string", "The first time this event occurred.")),
			wide(col("Count", "integer", "The number of times this event has occurred.")),
			wide(Column{Name: "Name", Type: "string", Format: "name", Description: nameColumn.Description}),
		},
		row: func(o api.Object, now api.Time) ([]any, []RowCondition) { return eventRow(o.(*api.Event), now), nil },
	}
}

// NodeStatus is the STATUS column of a node: Ready, NotReady or Unknown
// (no Ready condition), then SchedulingDisabled when cordoned.
func NodeStatus(n *api.Node) string {
	var s []string
	if c := n.Condition(api.NodeReady); c != nil {
		if c.Status == api.ConditionTrue {
			s = append(s, "Ready")
		} else {
			s = append(s, "NotReady")
		}
	} else {
		s = append(s, "Unknown")
	}
	if n.Spec.Unschedulable {
		s = append(s, "SchedulingDisabled")
	}
	return strings.Join(s, ",")
}

// NodeRoles is the ROLES column of a node: the roles of its
// node-role.kubernetes.io/ROLE labels and the kubernetes.io/role label's
// value, sorted, or "<none>".
func NodeRoles(labels map[string]string) string {
	var roles []string
	for k, v := range labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if r := strings.TrimPrefix(k, "node-role.kubernetes.io/"); r != "" {
				roles = append(roles, r)
			}
		case k == "kubernetes.io/role" && v != "":
			roles = append(roles, v)
		}
	}
	sort.Strings(roles)
	return none(strings.Join(roles, ","))
}

func nodeAddress(n *api.Node, typ string) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return "<none>"
}

func unknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

func eventRow(e *api.Event, now api.Time) []any {
	first, last := e.FirstTimestamp, e.LastTimestamp
	if last.IsZero() {
		last = first
	}
	if last.IsZero() {
		last = e.CreationTimestamp
	}
	if first.IsZero() {
		first = last
	}
	source := e.Source.Component
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	if source == "" {
		source = e.ReportingController
	}
	count := int64(e.Count)
	if count == 0 {
		count = 1
	}
	obj := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
	return []any{Since(last, now), e.Type, e.Reason, obj, e.InvolvedObject.FieldPath, source,
		strings.TrimSpace(e.Message), Since(first, now), count, e.Name}
}
