// OpenAPI v3 component schemas for the main kinds: what `kubectl explain` reads.
//
// kubectl explain (1.32, OpenAPI v3) downloads the document of the kind's group version, finds the
// schema whose `x-kubernetes-group-version-kind` names the kind, and walks the field path through
// `properties`, following `allOf: [{$ref}]` to named types (whose last dotted segment it prints as
// the type: `<DeploymentStrategy>`). The shapes here are the real server's (refs wrapped in allOf
// with `default: {}`, maps as `additionalProperties`, enums listed); the set of types and fields
// is a subset (the fields the course's objects use), and the descriptions are short summaries of
// the real ones [k8s.io/api types.go doc comments], not the full text.

type S = Record<string, unknown>;

const REF = "#/components/schemas/";
const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const CORE = "io.k8s.api.core.v1.";
const APPS = "io.k8s.api.apps.v1.";
const POLICY = "io.k8s.api.policy.v1.";

// ---- field builders ----

const str = (description: string, enumValues?: string[]): S => (enumValues ? { type: "string", enum: enumValues, description } : { type: "string", description });
const int = (description: string): S => ({ type: "integer", format: "int32", description });
const int64 = (description: string): S => ({ type: "integer", format: "int64", description });
const bool = (description: string): S => ({ type: "boolean", description });
const ref = (name: string, description: string): S => ({ allOf: [{ $ref: REF + name }], default: {}, description });
const strMap = (description: string): S => ({ type: "object", additionalProperties: { type: "string", default: "" }, description });
const refMap = (name: string, description: string): S => ({ type: "object", additionalProperties: { $ref: REF + name }, description });
const strList = (description: string): S => ({ type: "array", items: { type: "string", default: "" }, description });
const refList = (name: string, description: string, mapKeys?: string[]): S => {
  const s: S = { type: "array", items: { allOf: [{ $ref: REF + name }], default: {} }, description };
  if (mapKeys) Object.assign(s, { "x-kubernetes-list-map-keys": mapKeys, "x-kubernetes-list-type": "map" });
  return s;
};
const time = (description: string): S => ref(META + "Time", description);

function object(description: string, properties: Record<string, S>, required?: string[]): S {
  const s: S = { description, type: "object", properties };
  if (required) s.required = required;
  return s;
}

/** A top-level kind: apiVersion, kind, metadata, then its own fields. */
function kind(group: string, version: string, k: string, description: string, properties: Record<string, S>): S {
  return {
    ...object(description, {
      apiVersion: str("APIVersion defines the versioned schema of this representation of an object. Servers convert recognized schemas to the latest internal value."),
      kind: str("Kind is a string value representing the REST resource this object represents. In CamelCase. Cannot be updated."),
      metadata: ref(META + "ObjectMeta", "Standard object's metadata."),
      ...properties,
    }),
    "x-kubernetes-group-version-kind": [{ group, kind: k, version }],
  };
}

// ---- shared types ----

const SHARED: Record<string, S> = {
  [META + "Time"]: { description: "Time is a wrapper around time.Time, serialized as RFC 3339.", type: "string", format: "date-time" },
  // Types with two JSON forms have no `type` in v3, only oneOf [kube-openapi OpenAPIV3OneOfTypes]:
  // explain prints their name (<IntOrString>, <map[string]Quantity>).
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { description: "IntOrString is a type that can hold an int32 or a string.", format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { description: "Quantity is a fixed-point representation of a number, such as 100m or 128Mi.", oneOf: [{ type: "string" }, { type: "number" }] },
  [META + "ObjectMeta"]: object("ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.", {
    annotations: strMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
    creationTimestamp: time("CreationTimestamp is a timestamp representing the server time when this object was created. Set by the system. Read-only."),
    deletionTimestamp: time("DeletionTimestamp is the RFC 3339 date and time at which this resource will be deleted. Set by the server when a graceful deletion is requested. Read-only."),
    finalizers: { ...strList("Must be empty before the object is deleted from the registry."), "x-kubernetes-list-type": "set" },
    generateName: str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
    generation: int64("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only."),
    labels: strMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
    name: str("Name must be unique within a namespace. Cannot be updated."),
    namespace: str("Namespace defines the space within which each name must be unique. Cannot be updated."),
    ownerReferences: refList(META + "OwnerReference", "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.", ["uid"]),
    resourceVersion: str("An opaque value that represents the internal version of this object, used for optimistic concurrency and watches. Read-only."),
    uid: str("UID is the unique in time and space value for this object. Populated by the system. Read-only."),
  }),
  [META + "OwnerReference"]: object(
    "OwnerReference contains enough information to let you identify an owning object.",
    {
      apiVersion: str("API version of the referent."),
      blockOwnerDeletion: bool("If true, AND if the owner has the \"foregroundDeletion\" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed."),
      controller: bool("If true, this reference points to the managing controller."),
      kind: str("Kind of the referent."),
      name: str("Name of the referent."),
      uid: str("UID of the referent."),
    },
    ["apiVersion", "kind", "name", "uid"],
  ),
  [META + "LabelSelector"]: object("A label selector is a label query over a set of resources. An empty label selector matches all objects; a null one matches no objects.", {
    matchExpressions: refList(META + "LabelSelectorRequirement", "matchExpressions is a list of label selector requirements. The requirements are ANDed."),
    matchLabels: strMap("matchLabels is a map of {key,value} pairs, each equivalent to an element of matchExpressions with operator \"In\" and the single value."),
  }),
  [META + "LabelSelectorRequirement"]: object(
    "A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.",
    {
      key: str("key is the label key that the selector applies to."),
      operator: str("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
      values: strList("values is an array of string values. Non-empty for In and NotIn, empty for Exists and DoesNotExist."),
    },
    ["key", "operator"],
  ),
  [CORE + "PodTemplateSpec"]: object("PodTemplateSpec describes the data a pod should have when created from a template", {
    metadata: ref(META + "ObjectMeta", "Standard object's metadata."),
    spec: ref(CORE + "PodSpec", "Specification of the desired behavior of the pod."),
  }),
  [CORE + "PodSpec"]: object(
    "PodSpec is a description of a pod.",
    {
      containers: refList(CORE + "Container", "List of containers belonging to the pod. There must be at least one container in a Pod. Cannot be updated."),
      initContainers: refList(CORE + "Container", "List of initialization containers belonging to the pod, run in order before the app containers start."),
      nodeName: str("NodeName indicates in which node this pod is scheduled. Set by the scheduler once it binds the pod."),
      nodeSelector: strMap("NodeSelector is a selector which must be true for the pod to fit on a node: the node's labels must match every key-value pair."),
      priority: int("The priority value, populated from PriorityClassName by the Priority admission controller. The higher the value, the higher the priority."),
      priorityClassName: str("If specified, indicates the pod's priority. If not specified, the pod priority is the default, or zero if there is no default."),
      restartPolicy: str("Restart policy for all containers within the pod. One of Always, OnFailure, Never. Default to Always.", ["Always", "Never", "OnFailure"]),
      schedulerName: str("If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler."),
      serviceAccountName: str("ServiceAccountName is the name of the ServiceAccount to use to run this pod."),
      terminationGracePeriodSeconds: int64("Optional duration in seconds the pod needs to terminate gracefully. Defaults to 30 seconds."),
      tolerations: refList(CORE + "Toleration", "If specified, the pod's tolerations."),
    },
    ["containers"],
  ),
  [CORE + "Container"]: object(
    "A single application container that you want to run within a pod.",
    {
      args: strList("Arguments to the entrypoint. The container image's CMD is used if this is not provided."),
      command: strList("Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided."),
      env: refList(CORE + "EnvVar", "List of environment variables to set in the container. Cannot be updated.", ["name"]),
      image: str("Container image name."),
      imagePullPolicy: str("Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise.", ["Always", "IfNotPresent", "Never"]),
      name: str("Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated."),
      ports: refList(CORE + "ContainerPort", "List of ports to expose from the container.", ["containerPort", "protocol"]),
      resources: ref(CORE + "ResourceRequirements", "Compute Resources required by this container."),
    },
    ["name"],
  ),
  [CORE + "ContainerPort"]: object(
    "ContainerPort represents a network port in a single container.",
    {
      containerPort: int("Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536."),
      name: str("If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name."),
      protocol: str("Protocol for port. Must be UDP, TCP, or SCTP. Defaults to \"TCP\".", ["SCTP", "TCP", "UDP"]),
    },
    ["containerPort"],
  ),
  [CORE + "EnvVar"]: object("EnvVar represents an environment variable present in a Container.", { name: str("Name of the environment variable."), value: str("Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container.") }, ["name"]),
  [CORE + "ResourceRequirements"]: object("ResourceRequirements describes the compute resource requirements.", {
    limits: refMap("io.k8s.apimachinery.pkg.api.resource.Quantity", "Limits describes the maximum amount of compute resources allowed."),
    requests: refMap("io.k8s.apimachinery.pkg.api.resource.Quantity", "Requests describes the minimum amount of compute resources required. Defaults to Limits if omitted."),
  }),
  [CORE + "Toleration"]: object("The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.", {
    effect: str("Effect indicates the taint effect to match. Empty means match all taint effects.", ["NoExecute", "NoSchedule", "PreferNoSchedule"]),
    key: str("Key is the taint key that the toleration applies to. Empty means match all taint keys."),
    operator: str("Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal.", ["Equal", "Exists"]),
    tolerationSeconds: int64("TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute) tolerates the taint."),
    value: str("Value is the taint value the toleration matches to."),
  }),
};

// ---- kinds ----

const CORE_KINDS: Record<string, S> = {
  [CORE + "Pod"]: kind("", "v1", "Pod", "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.", {
    spec: ref(CORE + "PodSpec", "Specification of the desired behavior of the pod."),
    status: ref(CORE + "PodStatus", "Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only."),
  }),
  [CORE + "PodStatus"]: object("PodStatus represents information about the status of a pod.", {
    conditions: refList(CORE + "PodCondition", "Current service state of pod.", ["type"]),
    nominatedNodeName: str("nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away."),
    phase: str("The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle.", ["Failed", "Pending", "Running", "Succeeded", "Unknown"]),
    podIP: str("podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
    startTime: time("RFC 3339 date and time at which the object was acknowledged by the Kubelet."),
  }),
  [CORE + "PodCondition"]: object(
    "PodCondition contains details for the current condition of this pod.",
    {
      lastTransitionTime: time("Last time the condition transitioned from one status to another."),
      message: str("Human-readable message indicating details about last transition."),
      reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
      status: str("Status is the status of the condition. Can be True, False, Unknown."),
      type: str("Type is the type of the condition."),
    },
    ["type", "status"],
  ),
  [CORE + "Service"]: kind("", "v1", "Service", "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.", {
    spec: ref(CORE + "ServiceSpec", "Spec defines the behavior of a service."),
  }),
  [CORE + "ServiceSpec"]: object("ServiceSpec describes the attributes that a user creates on a service.", {
    clusterIP: str("clusterIP is the IP address of the service and is usually assigned randomly."),
    ports: refList(CORE + "ServicePort", "The list of ports that are exposed by this service.", ["port", "protocol"]),
    selector: strMap("Route service traffic to pods with label keys and values matching this selector."),
    type: str("type determines how the Service is exposed. Defaults to ClusterIP.", ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
  }),
  [CORE + "ServicePort"]: object(
    "ServicePort contains information on service's port.",
    {
      name: str("The name of this port within the service. This must be a DNS_LABEL."),
      nodePort: int("The port on each node on which this service is exposed when type is NodePort or LoadBalancer."),
      port: int("The port that will be exposed by this service."),
      protocol: str("The IP protocol for this port. Supports \"TCP\", \"UDP\", and \"SCTP\". Default is TCP.", ["SCTP", "TCP", "UDP"]),
      targetPort: ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "Number or name of the port to access on the pods targeted by the service."),
    },
    ["port"],
  ),
  [CORE + "ConfigMap"]: kind("", "v1", "ConfigMap", "ConfigMap holds configuration data for pods to consume.", {
    binaryData: { type: "object", additionalProperties: { type: "string", format: "byte" }, description: "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'." },
    data: strMap("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    immutable: bool("Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified)."),
  }),
  [CORE + "Secret"]: kind("", "v1", "Secret", "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.", {
    data: { type: "object", additionalProperties: { type: "string", format: "byte" }, description: "Data contains the secret data. The serialized form of the secret data is a base64 encoded string." },
    immutable: bool("Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified)."),
    stringData: strMap("stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience."),
    type: str("Used to facilitate programmatic handling of secret data."),
  }),
  [CORE + "Node"]: kind("", "v1", "Node", "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).", {
    spec: ref(CORE + "NodeSpec", "Spec defines the behavior of a node."),
  }),
  [CORE + "NodeSpec"]: object("NodeSpec describes the attributes that a node is created with.", {
    podCIDR: str("PodCIDR represents the pod IP range assigned to the node."),
    taints: refList(CORE + "Taint", "If specified, the node's taints."),
    unschedulable: bool("Unschedulable controls node schedulability of new pods. By default, node is schedulable."),
  }),
  [CORE + "Taint"]: object(
    "The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint.",
    {
      effect: str("Required. The effect of the taint on pods that do not tolerate the taint. Valid effects are NoSchedule, PreferNoSchedule and NoExecute.", ["NoExecute", "NoSchedule", "PreferNoSchedule"]),
      key: str("Required. The taint key to be applied to a node."),
      timeAdded: time("TimeAdded represents the time at which the taint was added."),
      value: str("The taint value corresponding to the taint key."),
    },
    ["key", "effect"],
  ),
  [CORE + "Namespace"]: kind("", "v1", "Namespace", "Namespace provides a scope for Names. Use of multiple namespaces is optional.", {}),
};

const APPS_KINDS: Record<string, S> = {
  [APPS + "Deployment"]: kind("apps", "v1", "Deployment", "Deployment enables declarative updates for Pods and ReplicaSets.", {
    spec: ref(APPS + "DeploymentSpec", "Specification of the desired behavior of the Deployment."),
    status: ref(APPS + "DeploymentStatus", "Most recently observed status of the Deployment."),
  }),
  [APPS + "DeploymentSpec"]: object(
    "DeploymentSpec is the specification of the desired behavior of the Deployment.",
    {
      minReadySeconds: int("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
      paused: bool("Indicates that the deployment is paused."),
      progressDeadlineSeconds: int("The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s."),
      replicas: int("Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1."),
      revisionHistoryLimit: int("The number of old ReplicaSets to retain to allow rollback. Defaults to 10."),
      selector: ref(META + "LabelSelector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
      strategy: { ...ref(APPS + "DeploymentStrategy", "The deployment strategy to use to replace existing pods with new ones."), "x-kubernetes-patch-strategy": "retainKeys" },
      template: ref(CORE + "PodTemplateSpec", "Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is \"Always\"."),
    },
    ["selector", "template"],
  ),
  [APPS + "DeploymentStrategy"]: object("DeploymentStrategy describes how to replace existing pods with new ones.", {
    rollingUpdate: ref(APPS + "RollingUpdateDeployment", "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate."),
    type: str("Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is RollingUpdate.", ["Recreate", "RollingUpdate"]),
  }),
  [APPS + "RollingUpdateDeployment"]: object("Spec to control the desired behavior of rolling update.", {
    maxSurge: ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
    maxUnavailable: ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
  }),
  [APPS + "DeploymentStatus"]: object("DeploymentStatus is the most recently observed status of the Deployment.", {
    availableReplicas: int("Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
    conditions: refList(APPS + "DeploymentCondition", "Represents the latest available observations of a deployment's current state.", ["type"]),
    observedGeneration: int64("The generation observed by the deployment controller."),
    readyReplicas: int("readyReplicas is the number of pods targeted by this Deployment with a Ready Condition."),
    replicas: int("Total number of non-terminated pods targeted by this deployment (their labels match the selector)."),
    unavailableReplicas: int("Total number of unavailable pods targeted by this deployment."),
    updatedReplicas: int("Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
  }),
  [APPS + "DeploymentCondition"]: object(
    "DeploymentCondition describes the state of a deployment at a certain point.",
    {
      lastTransitionTime: time("Last time the condition transitioned from one status to another."),
      lastUpdateTime: time("The last time this condition was updated."),
      message: str("A human readable message indicating details about the transition."),
      reason: str("The reason for the condition's last transition."),
      status: str("Status of the condition, one of True, False, Unknown."),
      type: str("Type of deployment condition."),
    },
    ["type", "status"],
  ),
  [APPS + "ReplicaSet"]: kind("apps", "v1", "ReplicaSet", "ReplicaSet ensures that a specified number of pod replicas are running at any given time.", {
    spec: ref(APPS + "ReplicaSetSpec", "Spec defines the specification of the desired behavior of the ReplicaSet."),
  }),
  [APPS + "ReplicaSetSpec"]: object(
    "ReplicaSetSpec is the specification of a ReplicaSet.",
    {
      minReadySeconds: int("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
      replicas: int("Replicas is the number of desired pods. Defaults to 1."),
      selector: ref(META + "LabelSelector", "Selector is a label query over pods that should match the replica count. It must match the pod template's labels."),
      template: ref(CORE + "PodTemplateSpec", "Template is the object that describes the pod that will be created if insufficient replicas are detected."),
    },
    ["selector"],
  ),
};

const POLICY_KINDS: Record<string, S> = {
  [POLICY + "PodDisruptionBudget"]: kind("policy", "v1", "PodDisruptionBudget", "PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods", {
    spec: ref(POLICY + "PodDisruptionBudgetSpec", "Specification of the desired behavior of the PodDisruptionBudget."),
  }),
  [POLICY + "PodDisruptionBudgetSpec"]: object("PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.", {
    maxUnavailable: ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "An eviction is allowed if at most \"maxUnavailable\" pods selected by \"selector\" are unavailable after the eviction. Mutually exclusive with minAvailable."),
    minAvailable: ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "An eviction is allowed if at least \"minAvailable\" pods selected by \"selector\" will still be available after the eviction. Mutually exclusive with maxUnavailable."),
    selector: ref(META + "LabelSelector", "Label query over pods whose evictions are managed by the disruption budget."),
  }),
};

/** Every schema a group version's document carries: its kinds plus the shared types they use. */
export function componentSchemas(group: string, version: string): Record<string, S> {
  const own = group === "" && version === "v1" ? CORE_KINDS : group === "apps" && version === "v1" ? APPS_KINDS : group === "policy" && version === "v1" ? POLICY_KINDS : {};
  if (Object.keys(own).length === 0) return {};
  const out: Record<string, S> = {};
  // Sorted by name, as the real document's components are.
  for (const [k, v] of Object.entries({ ...SHARED, ...own }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}
