// Package nodeagent is capstan's node agent: it registers its node, renews
// the node's Lease, watches the pods bound to it and runs the core node
// machine (core/node) against containerd. The work is split by concern:
//
//	agent/          the shell: one goroutine owns the machine; watches,
//	                runtime results, exits, probe results and ticks go in;
//	                actions and API writes go out to workers
//	runtime/        core/node's runtime actions on containerd (images, OCI
//	                specs from pods, tasks, exits, kills, adoption, exec)
//	podnet/         pod network namespaces and addresses (a bridge and veth
//	                pairs, over netlink)
//	volumes/        emptyDir, hostPath, secret, configMap and PVC volumes
//	probe/          exec, TCP and HTTP probes
//	nodeapi/        the agent's view of the API server, over client/
//	apifake/        an in-memory nodeapi.API for tests
//	testimage/      the busybox test image (make image)
//	containerdtest/ a private containerd for tests
//	agenttest/      real agents for tests
//
// It imports core and client, never server or wasm.
package nodeagent
