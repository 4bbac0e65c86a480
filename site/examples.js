// examples.js: scenarios to start from. Each is the cluster (nodes), the
// manifests for the editor, runtime rules for images, and optionally
// later actions ({at: ms, line}).
"use strict";

const dep = (name, replicas, image, cpu, mem, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}${extra}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: app
        image: ${image}
        resources: {requests: {cpu: ${cpu}, memory: ${mem}}}
`;

const EXAMPLES = [
  {
    name: "web: a Deployment and a Service on three nodes",
    seed: 1, nodes: { count: 3, cpu: "4", memory: "8Gi", zones: 3 },
    yaml: dep("web", 6, "nginx:1.27", "500m", "256Mi") + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
  },
  {
    name: "pending: a pod that fits nowhere (ask why)",
    seed: 2, nodes: { count: 3, cpu: "2", memory: "4Gi", zones: 1 },
    yaml: dep("api", 4, "nginx:1.27", "1500m", "512Mi") + "---\n" + dep("cache", 2, "redis:7", "250m", "3Gi"),
  },
  {
    name: "rolling update: nginx 1.27 to 1.28 at 30s",
    seed: 3, nodes: { count: 4, cpu: "4", memory: "8Gi", zones: 2 },
    yaml: dep("web", 8, "nginx:1.27", "250m", "128Mi", `
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 2, maxUnavailable: 1}`),
    actions: [{ at: 30000, line: "set-image deployment/web app=nginx:1.28" }],
  },
  {
    name: "a caveat at work: a rollout after a node loss breaks availability, excused (found by Explore)",
    seed: 32, nodes: { count: 4, cpu: "4", memory: "8Gi", zones: 2 },
    yaml: dep("web", 8, "nginx:1.27", "250m", "128Mi", `
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 2, maxUnavailable: 1}`),
    actions: [{ at: 3000, line: "crash-node n4" }, { at: 30000, line: "set-image deployment/web app=nginx:1.28" }],
  },
  {
    name: "crash loop and a missing image",
    seed: 4, nodes: { count: 2, cpu: "4", memory: "8Gi", zones: 1 },
    images: ["image crashy:1 exit-after=15s exit-code=1", "image missing:1 pull=fail"],
    yaml: dep("worker", 2, "crashy:1", "200m", "128Mi") + "---\n" + dep("typo", 1, "missing:1", "100m", "64Mi") + "---\n" + dep("ok", 2, "nginx:1.27", "100m", "64Mi"),
  },
  {
    name: "node loss: a node crashes at 20s, its pods are evicted after 5m",
    seed: 5, nodes: { count: 3, cpu: "4", memory: "8Gi", zones: 3 },
    yaml: dep("web", 6, "nginx:1.27", "500m", "256Mi"),
    actions: [{ at: 20000, line: "crash-node n2" }],
  },
  {
    name: "bin-packing: compare LeastAllocated with MostAllocated",
    seed: 6, nodes: { count: 6, cpu: "4", memory: "8Gi", zones: 2 },
    yaml: dep("a", 5, "nginx:1.27", "700m", "512Mi") + "---\n" + dep("b", 7, "redis:7", "300m", "1Gi"),
  },
  {
    name: "scale: 1,000 nodes and 30,000 pods",
    seed: 7, nodes: { count: 1000, cpu: "16", memory: "64Gi", zones: 3 },
    yaml: Array.from({ length: 30 }, (_, i) => dep("svc" + i, 1000, "nginx:1.27", "100m", "128Mi")).join("---\n"),
    big: true,
  },
];

if (typeof self !== "undefined") self.EXAMPLES = EXAMPLES;
