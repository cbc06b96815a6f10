/**
 * `vnflcm params init`'s flags: one per wizard question (named after the param-file key it fills),
 * and for each secret a `--…-file` twin (the library reads files and VNFLCM_…_PASSWORD variables:
 * src/lib/params/wizard/flags.ts).
 */
import { Flags } from '@oclif/core';

const helpGroup = 'PARAM FILE';
const one = (description: string) => Flags.string({ description, helpGroup });
const many = (description: string) => Flags.string({ description, helpGroup, multiple: true });

/** `what` is "<VNF kind>: <key>"; the file flag says "<VNF kind>: a file holding <key>". */
const secretHelp = (name: string, env: string, what: string) => `${what} (visible in ps: prefer --${name}-file or ${env})`;
const fileHelp = (what: string) => what.replace(/^(.*?: )?/, (m) => `${m}a file holding `);
const secret = (name: string, env: string, what: string) => ({
  [name]: Flags.string({ description: secretHelp(name, env, what), helpGroup }),
  [`${name}-file`]: Flags.string({ description: fileHelp(what), helpGroup }),
});
const secrets = (name: string, env: string, what: string) => ({
  [name]: Flags.string({ description: secretHelp(name, env, what), helpGroup, multiple: true }),
  [`${name}-file`]: Flags.string({ description: `${fileHelp(what)} (repeatable)`, helpGroup, multiple: true }),
});

export const wizardFlags = {
  flavour: one('flavourId: a deployment flavour of the package'),
  'instantiation-level': one('instantiationLevelId (default: the flavour default)'),
  network: many('Network of an external CP: CP=NETWORK, or NETWORK for every CP without its own (name or id; repeatable)'),
  'ssh-cp-name': one('Registry VNF: ssh_cp_name, the CP used for SSH'),
  'ssh-username': one('Registry VNF: ssh_username (default: ubuntu)'),
  ...secret('ssh-password', 'VNFLCM_SSH_PASSWORD', 'Registry VNF: ssh_password'),
  'image-path': one("Registry VNF: image_path, a docker save tarball in the package ('' or absent: pull registry:2)"),
  'port-no': one('Registry VNF: port_no (default: 5000)'),
  'http-proxy': one('proxy.http_proxy (giving any proxy flag adds the proxy section)'),
  'https-proxy': one('proxy.https_proxy (default: the http_proxy value)'),
  'no-proxy': one('proxy.no_proxy'),
  'k8s-node-cidr': one('Kubernetes VNF: proxy.k8s_node_cidr'),
  'master-vdu': one('Kubernetes VNF: VDU of the masters (default: the VDU named *master*)'),
  'worker-vdu': one('Kubernetes VNF: VDU of the workers (default: the VDU named *worker*)'),
  'master-aspect-id': one('Kubernetes VNF: master_node.aspect_id (default: the aspect scaling the master VDU)'),
  'worker-aspect-id': one('Kubernetes VNF: worker_node.aspect_id (default: the aspect scaling the worker VDU)'),
  'master-ssh-cp-name': one("Kubernetes VNF: master_node.ssh_cp_name (default: the master VDU's only CP)"),
  'worker-ssh-cp-name': one("Kubernetes VNF: worker_node.ssh_cp_name (default: the worker VDU's only CP)"),
  'master-nic-cp-name': one('Kubernetes VNF: master_node.nic_cp_name (default: the SSH CP)'),
  'worker-nic-cp-name': one('Kubernetes VNF: worker_node.nic_cp_name (default: the SSH CP)'),
  'master-username': one('Kubernetes VNF: master_node.username (default: ubuntu)'),
  ...secret('master-password', 'VNFLCM_MASTER_PASSWORD', 'Kubernetes VNF: master_node.password'),
  'worker-username': one('Kubernetes VNF: worker_node.username (default: ubuntu)'),
  ...secret('worker-password', 'VNFLCM_WORKER_PASSWORD', 'Kubernetes VNF: worker_node.password'),
  'pod-cidr': one('Kubernetes VNF: master_node.pod_cidr (default: 192.168.0.0/16)'),
  'cluster-cidr': one('Kubernetes VNF: master_node.cluster_cidr (default: 10.96.0.0/12)'),
  'cluster-cp-name': one('Kubernetes VNF: master_node.cluster_cp_name (default: vip_CP with several masters, else the master CP)'),
  'script-path': one('Kubernetes VNF: script_path (default: the install_k8s_cluster.sh of the package)'),
  'vim-name': one('Kubernetes VNF: vim_name (default: kubernetes_vim)'),
  'container-runtime': one('Kubernetes VNF: container_runtime, containerd or docker (default: containerd)'),
  'kubernetes-version': one('Kubernetes VNF: kubernetes_version (default: the install script default)'),
  'registry-server': many('Kubernetes VNF: private_registry_connection_info[].server, host[:port] or vnf:<id> (repeat per registry)'),
  'registry-connection-type': many('…[].connection_type, 0 (HTTP) or 1 (HTTPS), by position (default: 0)'),
  'registry-username': many("…[].username by position ('' for none)"),
  ...secrets('registry-password', 'VNFLCM_REGISTRY_PASSWORD', 'Kubernetes VNF: private_registry_connection_info[].password, by position (one value: every registry with a username)'),
  'registry-certificate-path': many("…[].certificate_path in the package, by position ('' for none)"),
  'registry-hosts-string': many("…[].hosts_string 'IP FQDN', by position ('' for none)"),
};
