package node_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"

	"github.com/capstan-dev/capstan/core/api"
	"github.com/capstan-dev/capstan/core/node"
)

// cmdPod: pod add|update|delete|remove|list.
func (h *harness) cmdPod(d *datadriven.TestData, out *strings.Builder) {
	if len(d.CmdArgs) < 1 {
		d.Fatalf(h.t, "pod: missing verb")
	}
	verb := d.CmdArgs[0].Key
	if verb == "list" {
		var pods []*api.Pod
		for _, arg := range d.CmdArgs[1:] {
			pods = append(pods, h.pod(d, arg.Key))
		}
		h.feed(node.PodList{Pods: pods}, out)
		return
	}
	if len(d.CmdArgs) < 2 {
		d.Fatalf(h.t, "pod %s: missing name", verb)
	}
	name := d.CmdArgs[1].Key
	args := d.CmdArgs[2:]
	switch verb {
	case "define": // build the pod (for a later pod list) without feeding it
		pod := h.newPod(d, name)
		h.applyPodArgs(d, pod, args)
		api.Default(pod)
		h.pods[name] = pod
	case "add":
		pod := h.newPod(d, name)
		h.applyPodArgs(d, pod, args)
		api.Default(pod)
		h.pods[name] = pod
		h.feed(node.PodAdded{Pod: pod}, out)
	case "update":
		var pod *api.Pod
		if d.Input != "" {
			pod = h.newPod(d, name)
			if pod.Status.Phase == "" {
				pod.Status = *h.pod(d, name).Status.DeepCopy() // the API keeps it
			}
		} else {
			pod = api.DeepCopy(h.pod(d, name))
		}
		h.applyPodArgs(d, pod, args)
		api.Default(pod)
		h.pods[name] = pod
		h.feed(node.PodUpdated{Pod: pod}, out)
	case "delete":
		pod := api.DeepCopy(h.pod(d, name))
		grace := *pod.Spec.TerminationGracePeriodSeconds
		for _, arg := range args {
			if arg.Key == "grace" {
				grace = atoi64(h, arg.Vals[0])
			}
		}
		ts := h.now + api.Time(grace)*1e9
		pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = &ts, &grace
		h.pods[name] = pod
		h.feed(node.PodUpdated{Pod: pod}, out)
	case "remove":
		pod := h.pod(d, name)
		delete(h.pods, name)
		h.feed(node.PodDeleted{Pod: pod}, out)
	default:
		d.Fatalf(h.t, "pod: unknown verb %q", verb)
	}
}

// newPodFromArgs builds a defaulted pod without a command (for Go tests).
func (h *harness) newPodFromArgs(name, restart string, containers []string) *api.Pod {
	pod := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, CreationTimestamp: h.now}}
	pod.Spec.NodeName, pod.Spec.RestartPolicy = h.cfg.NodeName, restart
	for _, c := range containers {
		n, image, _ := strings.Cut(c, ":")
		pod.Spec.Containers = append(pod.Spec.Containers, api.Container{Name: n, Image: image})
	}
	api.Default(pod)
	h.pods[name] = pod
	return pod
}

func (h *harness) pod(d *datadriven.TestData, name string) *api.Pod {
	p, ok := h.pods[name]
	if !ok {
		d.Fatalf(h.t, "no pod %q", name)
	}
	return p
}

// newPod builds a pod from the command's YAML body, if any.
func (h *harness) newPod(d *datadriven.TestData, name string) *api.Pod {
	pod := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}}
	if body := d.Input; body != "" {
		if !strings.Contains(body, "kind:") {
			body = "apiVersion: v1\nkind: Pod\n" + body
		}
		objs, err := api.DecodeManifests([]byte(body))
		if err != nil {
			d.Fatalf(h.t, "pod body: %v", err)
		}
		pod = objs[0].(*api.Pod)
	}
	if pod.Name == "" {
		pod.Name = name
	}
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	if pod.UID == "" {
		pod.UID = "uid-" + pod.Name
	}
	if pod.Spec.NodeName == "" {
		pod.Spec.NodeName = h.cfg.NodeName
	}
	pod.CreationTimestamp = h.now
	return pod
}

func (h *harness) applyPodArgs(d *datadriven.TestData, pod *api.Pod, args []datadriven.CmdArg) {
	containers := func(vals []string) []api.Container {
		var cs []api.Container
		for _, v := range vals {
			name, image, _ := strings.Cut(v, ":")
			cs = append(cs, api.Container{Name: name, Image: image})
		}
		return cs
	}
	for _, arg := range args {
		switch arg.Key {
		case "ns":
			pod.Namespace = arg.Vals[0]
		case "restart":
			pod.Spec.RestartPolicy = arg.Vals[0]
		case "containers":
			pod.Spec.Containers = containers(arg.Vals)
		case "init":
			pod.Spec.InitContainers = containers(arg.Vals)
		case "grace":
			g := atoi64(h, arg.Vals[0])
			pod.Spec.TerminationGracePeriodSeconds = &g
		case "deadline":
			dl := atoi64(h, arg.Vals[0])
			pod.Spec.ActiveDeadlineSeconds = &dl
		case "links":
			b := arg.Vals[0] == "true"
			pod.Spec.EnableServiceLinks = &b
		case "image":
			for _, v := range arg.Vals {
				name, image, _ := strings.Cut(v, ":")
				for i := range pod.Spec.Containers {
					if pod.Spec.Containers[i].Name == name {
						pod.Spec.Containers[i].Image = image
					}
				}
			}
		case "node":
			pod.Spec.NodeName = arg.Vals[0]
		case "condition": // condition=(Type:Status, ...): another writer's change
			for _, v := range arg.Vals {
				typ, st, _ := strings.Cut(v, ":")
				conds := slices.Clone(pod.Status.Conditions)
				i := slices.IndexFunc(conds, func(c api.PodCondition) bool { return c.Type == typ })
				if i < 0 {
					conds = append(conds, api.PodCondition{Type: typ})
					i = len(conds) - 1
				}
				if conds[i].Status != st {
					conds[i].Status, conds[i].LastTransitionTime = st, h.now
				}
				pod.Status.Conditions = conds
			}
		case "phase": // another writer's change
			pod.Status.Phase = arg.Vals[0]
		case "label":
			labels := maps.Clone(pod.Labels)
			if labels == nil {
				labels = map[string]string{}
			}
			for _, v := range arg.Vals {
				k, val, _ := strings.Cut(v, ":")
				labels[k] = val
			}
			pod.Labels = labels
		default:
			d.Fatalf(h.t, "pod: unknown argument %q", arg.Key)
		}
	}
}

// cmdObject: secret|configmap|service|pvc|pv add|update|delete NAME ...
func (h *harness) cmdObject(d *datadriven.TestData, out *strings.Builder) {
	verb, name := d.CmdArgs[0].Key, d.CmdArgs[1].Key
	ns := "default"
	kv := map[string]string{}
	var order []string
	var vals map[string][]string = map[string][]string{}
	for _, arg := range d.CmdArgs[2:] {
		if arg.Key == "ns" {
			ns = arg.Vals[0]
			continue
		}
		v := ""
		if len(arg.Vals) > 0 {
			v = arg.Vals[0]
		}
		kv[arg.Key] = v
		vals[arg.Key] = arg.Vals
		order = append(order, arg.Key)
	}
	meta := api.ObjectMeta{Name: name, Namespace: ns, UID: "uid-" + d.Cmd + "-" + name}
	var obj api.Object
	switch d.Cmd {
	case "secret":
		s := &api.Secret{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta, Data: map[string][]byte{}}
		for _, k := range order {
			s.Data[k] = []byte(kv[k])
		}
		obj = s
	case "configmap":
		c := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta, Data: map[string]string{}}
		for _, k := range order {
			c.Data[k] = kv[k]
		}
		obj = c
	case "service":
		s := &api.Service{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: meta}
		s.Spec.ClusterIP = kv["ip"]
		for _, p := range vals["ports"] {
			sp := api.ServicePort{}
			if n, rest, ok := strings.Cut(p, ":"); ok {
				sp.Name, p = n, rest
			}
			if port, proto, ok := strings.Cut(p, "/"); ok {
				p, sp.Protocol = port, proto
			}
			sp.Port = int32(atoi64(h, p))
			s.Spec.Ports = append(s.Spec.Ports, sp)
		}
		obj = s
	case "pvc":
		c := &api.PersistentVolumeClaim{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"}, ObjectMeta: meta}
		c.Spec.VolumeName, c.Status.Phase = kv["volume"], kv["phase"]
		obj = c
	case "pv":
		meta.Namespace = ""
		v := &api.PersistentVolume{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"}, ObjectMeta: meta}
		if _, local := kv["local"]; local {
			v.Spec.Local = &api.LocalVolumeSource{Path: kv["path"]}
		} else {
			v.Spec.HostPath = &api.HostPathVolumeSource{Path: kv["path"]}
		}
		if c, ok := kv["claim"]; ok {
			cns, cname, _ := strings.Cut(c, "/")
			v.Spec.ClaimRef = &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: cns, Name: cname}
		}
		obj = v
	}
	switch verb {
	case "add":
		h.feed(node.ObjectAdded{Object: obj}, out)
	case "update":
		h.feed(node.ObjectUpdated{Object: obj}, out)
	case "delete":
		h.feed(node.ObjectDeleted{Object: obj}, out)
	default:
		d.Fatalf(h.t, "%s: unknown verb %q", d.Cmd, verb)
	}
}

func atoi64(h *harness, s string) int64 {
	h.t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}
