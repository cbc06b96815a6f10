import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliError, formatProblem, InputError } from '../../src/lib/errors.js';
import type { VnfPackage } from '../../src/lib/package/model.js';
import {
  validateHealParamFile,
  validateHealRequest,
  validateInstantiateRequest,
  validateParamFile,
  validateScaleRequest,
} from '../../src/lib/params/validate.js';
import { instantiateVnfRequestSchema, instantiateVnfRequestSchemaFor, scaleVnfRequestFileSchema } from '../../src/lib/params/schema.js';
import { k8sPackage, registryPackage } from '../fixtures/params/packages.js';

const FIX = fileURLToPath(new URL('../fixtures/params/', import.meta.url));
const readJson = (rel: string): unknown => JSON.parse(readFileSync(FIX + rel, 'utf8')) as unknown;

type Path = (string | number)[];
const DEL = Symbol('delete');

/** A deep copy of `body` with the values at the given paths replaced (or deleted with DEL). */
function edits(body: unknown, ...changes: [Path, unknown][]): unknown {
  const out = JSON.parse(JSON.stringify(body)) as Record<string | number, unknown>;
  for (const [path, value] of changes) {
    let cur = out;
    for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (value === DEL) delete cur[last];
    else cur[last] = value;
  }
  return out;
}

const R = readJson('good/private_registry_param_file.json');
const K = readJson('good/private_registry_kubernetes_param_file.json');
const regPkg = registryPackage();
const k8sPkg = k8sPackage();
const TMP = mkdtempSync(join(tmpdir(), 'vnflcm-params-validate-'));
after(() => {
  for (const dir of [regPkg.root, k8sPkg.root, TMP]) rmSync(dir, { recursive: true, force: true });
});
const pkgOf = (p?: 'reg' | 'k8s'): VnfPackage | undefined => (p === 'reg' ? regPkg : p === 'k8s' ? k8sPkg : undefined);
const lines = (body: unknown, pkg?: VnfPackage): string[] => validateInstantiateRequest(body, pkg).problems.map(formatProblem);

interface Case {
  name: string;
  body: unknown;
  pkg?: 'reg' | 'k8s';
}

const PR = ['additionalParams', 'private_registry_installation_param'];
const PK = ['additionalParams', 'k8s_cluster_installation_param'];
const M = [...PK, 'master_node'];
const W = [...PK, 'worker_node'];
const REG0 = [...PK, 'private_registry_connection_info', 0];
const CP0 = ['extVirtualLinks', 0, 'extCps', 0];
const PD0 = [...CP0, 'cpConfig', 0, 'cpProtocolData', 0];
const CASES: Case[] = [
  { name: 'flavourId missing', body: edits(R, [['flavourId'], DEL]) },
  { name: 'flavourId not a string', body: edits(R, [['flavourId'], 5]) },
  { name: 'additionalParams missing', body: edits(R, [['additionalParams'], DEL]) },
  { name: 'additionalParams not an object', body: edits(R, [['additionalParams'], 'private_registry']) },
  { name: 'ssh_password misspelt', body: edits(R, [[...PR, 'ssh_password'], DEL], [[...PR, 'ssh_pasword'], 'ubuntu']) },
  { name: 'ssh_username empty', body: edits(R, [[...PR, 'ssh_username'], '']) },
  { name: 'ssh_password not a string', body: edits(R, [[...PR, 'ssh_password'], 12345]) },
  { name: 'top-level flavorId (US spelling)', body: edits(R, [['flavourId'], DEL], [['flavorId'], 'simple']) },
  { name: 'unknown top-level key without suggestion', body: edits(R, [['vnfInstanceName'], 'registry']) },
  { name: 'extVirtualLinks an object', body: edits(R, [['extVirtualLinks'], { id: 'net0' }]) },
  { name: 'extCps empty', body: edits(R, [['extVirtualLinks', 0, 'extCps'], []]) },
  { name: 'resourceId missing, cpdId a number', body: edits(R, [['extVirtualLinks', 0, 'resourceId'], DEL], [[...CP0, 'cpdId'], 1]) },
  { name: 'layerProtocol wrong', body: edits(R, [[...PD0, 'layerProtocol'], 'IP_OVER_ETH']) },
  { name: 'ipAddresses bad type and address', body: edits(R, [[...PD0, 'ipOverEthernet'], { ipAddresses: [{ type: 'IPV5', fixedAddresses: ['10.0.0.300'] }] }]) },
  { name: 'macAddress bad', body: edits(R, [[...PD0, 'ipOverEthernet'], { macAddress: 'fa:16:3e:12:34', ipAddresses: [{ type: 'IPV4', numDynamicAddresses: 0 }] }]) },
  { name: 'fixed IPv6 for IPV4, fixed and dynamic', body: edits(R, [[...PD0, 'ipOverEthernet'], { ipAddresses: [{ type: 'IPV4', fixedAddresses: ['fd00::5'], numDynamicAddresses: 1 }] }]) },
  { name: 'vimConnectionInfo vimtype', body: edits(R, [['vimConnectionInfo', 0, 'vimType'], DEL], [['vimConnectionInfo', 0, 'vimtype'], 'openstack']) },
  { name: 'duplicate ids and cpdIds', body: edits(R, [['extVirtualLinks', 1], { id: 'net0', resourceId: 'n2', extCps: [{ cpdId: 'CP1' }] }], [['vimConnectionInfo', 1], { id: '8a3adb69-0784-43c7-833e-aab0b6ab4470', vimType: 'openstack' }]) },
  { name: 'dangling linkPortId and vimConnectionId', body: edits(R, [['extVirtualLinks', 0, 'vimConnectionId'], 'vim-1'], [[...CP0, 'cpConfig', 0, 'linkPortId'], 'port-1']) },
  { name: 'pod_cidr host bits (the guide example)', body: edits(K, [[...M, 'pod_cidr'], '192.168.3.0/16']) },
  { name: 'cluster_cidr without prefix', body: edits(K, [[...M, 'cluster_cidr'], '10.96.0.0']) },
  { name: 'cluster_cidr prefix too long', body: edits(K, [[...M, 'cluster_cidr'], '10.96.0.0/33']) },
  { name: 'cluster_cidr overlaps pod_cidr', body: edits(K, [[...M, 'cluster_cidr'], '192.168.128.0/20']) },
  { name: 'k8s_node_cidr overlaps pod_cidr', body: edits(K, [[...M, 'pod_cidr'], '10.0.0.0/8']) },
  { name: 'k8s_node_cidr an IP', body: edits(K, [[...PK, 'proxy', 'k8s_node_cidr'], '10.10.0.5/24']) },
  { name: 'port_no 0', body: edits(R, [[...PR, 'port_no'], 0]) },
  { name: 'port_no 65536', body: edits(R, [[...PR, 'port_no'], 65536]) },
  { name: 'port_no "abc"', body: edits(R, [[...PR, 'port_no'], 'abc']) },
  { name: 'port_no "65536"', body: edits(R, [[...PR, 'port_no'], '65536']) },
  { name: 'port_no 5000.5', body: edits(R, [[...PR, 'port_no'], 5000.5]) },
  { name: 'port_no true', body: edits(R, [[...PR, 'port_no'], true]) },
  { name: 'server with path', body: edits(K, [[...REG0, 'server'], 'registry.example.com:5000/v2']) },
  { name: 'server with scheme', body: edits(K, [[...REG0, 'server'], 'http://192.168.246.10:5000']) },
  { name: 'server bad IPv4', body: edits(K, [[...REG0, 'server'], '192.168.246.300:5000']) },
  { name: 'server bare IPv6', body: edits(K, [[...REG0, 'server'], 'fd00::10']) },
  { name: 'server bad host name', body: edits(K, [[...REG0, 'server'], 'my_registry:5000']) },
  { name: 'server port 0', body: edits(K, [[...REG0, 'server'], 'registry.example.com:0']) },
  { name: 'server port not numeric', body: edits(K, [[...REG0, 'server'], 'registry.example.com:http']) },
  { name: 'server vnf: without id', body: edits(K, [[...REG0, 'server'], 'vnf:']) },
  { name: 'hosts_string reversed', body: edits(K, [[...REG0, 'hosts_string'], 'registry.example.com 192.168.246.10']) },
  { name: 'hosts_string without name', body: edits(K, [[...REG0, 'hosts_string'], '192.168.246.10']) },
  { name: 'hosts_string bad name', body: edits(K, [[...REG0, 'hosts_string'], '192.168.246.10 my_registry']) },
  { name: 'connection_type 2', body: edits(K, [[...REG0, 'connection_type'], 2]) },
  { name: 'connection_type "https"', body: edits(K, [[...REG0, 'connection_type'], 'https']) },
  { name: 'registry without connection_type and server', body: edits(K, [[...REG0], { username: 'admin', password: 'secret' }]) },
  { name: 'certificate_path with HTTP', body: edits(K, [[...REG0, 'certificate_path'], 'Files/certs/registry-ca.crt']) },
  { name: 'duplicate registry server', body: edits(K, [[...PK, 'private_registry_connection_info', 1], { connection_type: 1, server: '192.168.246.10:5000' }]) },
  { name: 'unknown registry key', body: edits(K, [[...REG0, 'user_name'], 'admin']) },
  { name: 'container_runtime cri-o', body: edits(K, [[...PK, 'container_runtime'], 'cri-o']) },
  { name: 'kubernetes_version with v', body: edits(K, [[...PK, 'kubernetes_version'], 'v1.30.4']) },
  { name: 'kubernetes_version without patch', body: edits(K, [[...PK, 'kubernetes_version'], '1.30']) },
  { name: 'http_proxy without scheme', body: edits(R, [[...PR, 'proxy', 'http_proxy'], 'proxy.example.com:3128']) },
  { name: 'https_proxy ftp', body: edits(R, [[...PR, 'proxy', 'https_proxy'], 'ftp://proxy.example.com']) },
  { name: 'no_proxy with space and host bits', body: edits(R, [[...PR, 'proxy', 'no_proxy'], '10.0.0.1/8,localhost']) },
  { name: 'no_proxy bad entry', body: edits(R, [[...PR, 'proxy', 'no_proxy'], 'localhost,bad host']) },
  { name: 'proxy unknown key', body: edits(R, [[...PR, 'proxy', 'ftp_proxy'], 'http://p:3128']) },
  { name: 'vim_name with space', body: edits(K, [[...PK, 'vim_name'], 'kubernetes vim']) },
  { name: 'master_node missing, worker_node a string', body: edits(K, [[...M], DEL], [[...W], 'worker']) },
  { name: 'master_node unknown keys', body: edits(K, [[...M, 'pod_cdir'], '10.0.0.0/16'], [[...M, 'user'], 'ubuntu']) },
  { name: 'script_path missing', body: edits(K, [[...PK, 'script_path'], DEL]) },
  { name: 'same aspect for masters and workers', body: edits(K, [[...W, 'aspect_id'], 'master_instance']) },
  { name: 'neither installation param', body: edits(R, [['additionalParams'], { nfv: {} }]) },
  { name: 'both installation params', body: edits(R, [['additionalParams', 'k8s_cluster_installation_param'], (K as { additionalParams: Record<string, unknown> }).additionalParams.k8s_cluster_installation_param]) },
  { name: 'misspelt additionalParams key', body: edits(K, [['additionalParams', 'k8s_cluster_installation_params'], {}]) },
  { name: 'heal credentials in instantiate', body: edits(K, [[...PK, 'master_node_password'], 'x']) },
  { name: 'storage_server incomplete', body: edits(K, [[...PK, 'storage_server'], { ssh_cp_name: 'storage_CP1' }]) },
  { name: 'certificate .pem with docker', body: edits(K, [[...PK, 'container_runtime'], 'docker'], [[...REG0, 'connection_type'], '1'], [[...REG0, 'certificate_path'], 'Files/certs/registry-ca.pem']) },
  // path syntax without a package
  { name: 'image_path ../', body: edits(R, [[...PR, 'image_path'], '../registry.tar']) },
  { name: 'image_path absolute', body: edits(R, [[...PR, 'image_path'], '/etc/passwd']) },
  { name: 'script_path nested ..', body: edits(K, [[...PK, 'script_path'], 'Scripts/../../x.sh']) },
  // against packages
  { name: 'pkg: flavour misspelt', body: edits(R, [['flavourId'], 'simpel']), pkg: 'reg' },
  { name: 'pkg: flavour unknown', body: edits(K, [['flavourId'], 'podaffinity']), pkg: 'k8s' },
  { name: 'pkg: instantiation level unknown', body: edits(K, [['instantiationLevelId'], 'instantiation_level_3']), pkg: 'k8s' },
  { name: 'pkg: instantiation level on a flavour without levels', body: edits(R, [['instantiationLevelId'], 'instantiation_level_1']), pkg: 'reg' },
  { name: 'pkg: cpdId not of the flavour', body: edits(R, [[...CP0, 'cpdId'], 'CP2']), pkg: 'reg' },
  { name: 'pkg: ssh_cp_name not a CP', body: edits(R, [[...PR, 'ssh_cp_name'], 'VDU1_CP1']), pkg: 'reg' },
  { name: 'pkg: image_path symlink out', body: edits(R, [[...PR, 'image_path'], 'Files/images/evil.tar']), pkg: 'reg' },
  { name: 'pkg: image_path missing', body: edits(R, [[...PR, 'image_path'], 'Files/images/registry.tgz']), pkg: 'reg' },
  { name: 'pkg: image_path a directory', body: edits(R, [[...PR, 'image_path'], 'Files/images/dir']), pkg: 'reg' },
  { name: 'pkg: image_path broken symlink', body: edits(R, [[...PR, 'image_path'], 'Files/images/broken.tar']), pkg: 'reg' },
  { name: 'pkg: image_path absolute', body: edits(R, [[...PR, 'image_path'], '/etc/passwd']), pkg: 'reg' },
  { name: 'pkg: script_path via symlinked directory', body: edits(K, [[...PK, 'script_path'], 'Files/etc/passwd']), pkg: 'k8s' },
  { name: 'pkg: script symlink out, helm missing, cert ..', body: edits(K, [[...PK, 'script_path'], 'Scripts/evil.sh'], [[...PK, 'helm_installation_script_path'], 'Scripts/install-helm.sh'], [[...REG0, 'connection_type'], '1'], [[...REG0, 'certificate_path'], '../ca.crt']), pkg: 'k8s' },
  { name: 'pkg: aspects wrong', body: edits(K, [[...M, 'aspect_id'], 'master_instanc'], [[...W, 'aspect_id'], 'workers']), pkg: 'k8s' },
  { name: 'pkg: master CPs of the worker VDU', body: edits(K, [[...M, 'nic_cp_name'], 'workerNode_CP2']), pkg: 'k8s' },
  { name: 'pkg: worker CP unknown', body: edits(K, [[...W, 'ssh_cp_name'], 'workerNode_CP1'], [[...W, 'nic_cp_name'], 'worker_CP']), pkg: 'k8s' },
  { name: 'pkg: cluster_cp_name unknown (no BaseHOT)', body: edits(K, [[...M, 'cluster_cp_name'], 'vip_CP2']), pkg: 'k8s' },
  { name: 'pkg: worker CP without network', body: edits(K, [['extVirtualLinks'], [(K as { extVirtualLinks: unknown[] }).extVirtualLinks[0]]]), pkg: 'k8s' },
  { name: 'pkg: no extVirtualLinks at all', body: edits(R, [['extVirtualLinks'], DEL]), pkg: 'reg' },
  { name: 'pkg: registry params for a k8s flavour', body: edits(R, [['flavourId'], 'simple']), pkg: 'k8s' },
  { name: 'pkg: k8s params for the registry flavour', body: K, pkg: 'reg' },
  { name: 'pkg: complex BaseHOT names', body: edits(K, [['flavourId'], 'complex'], [[...M, 'cluster_cp_name'], 'vip_port'], [[...M, 'cluster_fip_name'], 'vip_FloatingIp'], [['additionalParams', 'extra_param'], 'ok'], [['additionalParams', 'other_param'], 1]), pkg: 'k8s' },
  { name: 'pkg: extManagedVirtualLinks unknown VL', body: edits(K, [['extManagedVirtualLinks'], [{ id: 'm1', vnfVirtualLinkDescId: 'internalVL2', resourceId: 'n1' }]]), pkg: 'k8s' },
];
CASES.push(
  { name: 'pkg: master nic on worker VDU, ssh+aspect agree', body: edits(K, [[...M, 'nic_cp_name'], 'workerNode_CP2']), pkg: 'k8s' },
  { name: 'pkg: master aspect wrong but CPs agree', body: edits(K, [[...M, 'aspect_id'], 'worker_instance'], [[...W, 'aspect_id'], DEL]), pkg: 'k8s' },
  { name: 'pkg: worker uses master CPs, no aspects', body: edits(K, [[...M, 'aspect_id'], DEL], [[...W, 'aspect_id'], DEL], [[...W, 'ssh_cp_name'], 'masterNode_CP1'], [[...W, 'nic_cp_name'], 'masterNode_CP1']), pkg: 'k8s' },
);

/** The exact problem lines (formatProblem) of every case, in order. */
const EXPECTED: Record<string, string[]> = {
  "flavourId missing": [
    "flavourId: expected a flavour id, found nothing",
  ],
  "flavourId not a string": [
    "flavourId: expected a flavour id, found 5",
  ],
  "additionalParams missing": [
    "additionalParams: expected an object with private_registry_installation_param or k8s_cluster_installation_param, found nothing",
  ],
  "additionalParams not an object": [
    "additionalParams: expected an object with private_registry_installation_param or k8s_cluster_installation_param, found \"private_registry\"",
  ],
  "ssh_password misspelt": [
    "additionalParams.private_registry_installation_param.ssh_password: expected an SSH password, found nothing",
    "additionalParams.private_registry_installation_param.ssh_pasword: expected a known key (ssh_cp_name, ssh_username, ssh_password, image_path, port_no, proxy), found unknown key \"ssh_pasword\" (hint: did you mean ssh_password?)",
  ],
  "ssh_username empty": [
    "additionalParams.private_registry_installation_param.ssh_username: expected an SSH user name, found \"\" (hint: it must not be empty)",
  ],
  "ssh_password not a string": [
    "additionalParams.private_registry_installation_param.ssh_password: expected an SSH password, found a number (not shown)",
  ],
  "top-level flavorId (US spelling)": [
    "flavourId: expected a flavour id, found nothing",
    "flavorId: expected a known key (flavourId, instantiationLevelId, extVirtualLinks, extManagedVirtualLinks, vimConnectionInfo, localizationLanguage, additionalParams), found unknown key \"flavorId\" (hint: did you mean flavourId?)",
  ],
  "unknown top-level key without suggestion": [
    "vnfInstanceName: expected a known key (flavourId, instantiationLevelId, extVirtualLinks, extManagedVirtualLinks, vimConnectionInfo, localizationLanguage, additionalParams), found unknown key \"vnfInstanceName\"",
  ],
  "extVirtualLinks an object": [
    "extVirtualLinks: expected a list of external virtual links, found {\"id\":\"net0\"}",
  ],
  "extCps empty": [
    "extVirtualLinks[0].extCps: expected a non-empty list of external CPs, found []",
  ],
  "resourceId missing, cpdId a number": [
    "extVirtualLinks[0].resourceId: expected a network id (Neutron network UUID), found nothing",
    "extVirtualLinks[0].extCps[0].cpdId: expected a CP name (cpdId) of the flavour, found 1",
  ],
  "layerProtocol wrong": [
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].layerProtocol: expected the layer protocol \"IP_OVER_ETHERNET\", found \"IP_OVER_ETH\"",
  ],
  "ipAddresses bad type and address": [
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].ipOverEthernet.ipAddresses[0].type: expected the address type \"IPV4\" or \"IPV6\", found \"IPV5\"",
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].ipOverEthernet.ipAddresses[0].fixedAddresses[0]: expected an IPv4 or IPv6 address, found \"10.0.0.300\"",
  ],
  "macAddress bad": [
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].ipOverEthernet.macAddress: expected a MAC address such as fa:16:3e:12:34:56, found \"fa:16:3e:12:34\"",
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].ipOverEthernet.ipAddresses[0].numDynamicAddresses: expected a number of addresses (an integer ≥ 1), found 0",
  ],
  "fixed IPv6 for IPV4, fixed and dynamic": [
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].ipOverEthernet.ipAddresses[0].numDynamicAddresses: expected either fixedAddresses or numDynamicAddresses, not both, found 1",
    "extVirtualLinks[0].extCps[0].cpConfig[0].cpProtocolData[0].ipOverEthernet.ipAddresses[0].fixedAddresses[0]: expected an IPv4 address (type is IPV4), found \"fd00::5\"",
  ],
  "vimConnectionInfo vimtype": [
    "vimConnectionInfo[0].vimType: expected a VIM type such as \"openstack\", found nothing",
    "vimConnectionInfo[0].vimtype: expected a known key (id, vimId, vimType, interfaceInfo, accessInfo, extra), found unknown key \"vimtype\" (hint: did you mean vimType?)",
  ],
  "duplicate ids and cpdIds": [
    "extVirtualLinks[1].id: expected an id not used by another external virtual link, found \"net0\" (hint: extVirtualLinks[0] has the same id)",
    "extVirtualLinks[1].extCps[0].cpdId: expected each CP in one external virtual link only, found \"CP1\" (hint: CP1 is already connected by extVirtualLinks[0].extCps[0])",
    "vimConnectionInfo[1].id: expected an id not used by another VIM connection, found \"8a3adb69-0784-43c7-833e-aab0b6ab4470\" (hint: vimConnectionInfo[0] has the same id)",
  ],
  "dangling linkPortId and vimConnectionId": [
    "extVirtualLinks[0].vimConnectionId: expected the id of a vimConnectionInfo entry, found \"vim-1\" (hint: vimConnectionInfo ids: 8a3adb69-0784-43c7-833e-aab0b6ab4470)",
    "extVirtualLinks[0].extCps[0].cpConfig[0].linkPortId: expected the id of an extLinkPorts entry of the same external virtual link, found \"port-1\" (hint: extVirtualLinks[0] has no extLinkPorts)",
  ],
  "pod_cidr host bits (the guide example)": [
    "additionalParams.k8s_cluster_installation_param.master_node.pod_cidr: expected a pod network CIDR such as 192.168.0.0/16 with no host bits set, found \"192.168.3.0/16\" (hint: did you mean 192.168.0.0/16?)",
  ],
  "cluster_cidr without prefix": [
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_cidr: expected a service network CIDR such as 10.96.0.0/12, found \"10.96.0.0\" (hint: add the prefix length, e.g. 10.96.0.0/24)",
  ],
  "cluster_cidr prefix too long": [
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_cidr: expected a service network CIDR such as 10.96.0.0/12, found \"10.96.0.0/33\" (hint: write it as <network address>/<prefix length>)",
  ],
  "cluster_cidr overlaps pod_cidr": [
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_cidr: expected a service CIDR that does not overlap pod_cidr 192.168.0.0/16, found \"192.168.128.0/20\" (hint: pods and services need separate address ranges)",
  ],
  "k8s_node_cidr overlaps pod_cidr": [
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_cidr: expected a service CIDR that does not overlap pod_cidr 10.0.0.0/8, found \"10.199.187.0/24\" (hint: pods and services need separate address ranges)",
    "additionalParams.k8s_cluster_installation_param.proxy.k8s_node_cidr: expected a node network CIDR that does not overlap pod_cidr 10.0.0.0/8, found \"10.10.0.0/24\" (hint: change pod_cidr so that it does not contain the nodes' addresses)",
  ],
  "k8s_node_cidr an IP": [
    "additionalParams.k8s_cluster_installation_param.proxy.k8s_node_cidr: expected a node network CIDR such as 10.10.0.0/24 with no host bits set, found \"10.10.0.5/24\" (hint: did you mean 10.10.0.0/24?)",
  ],
  "port_no 0": [
    "additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found 0 (hint: ports range from 1 to 65535)",
  ],
  "port_no 65536": [
    "additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found 65536 (hint: ports range from 1 to 65535)",
  ],
  "port_no \"abc\"": [
    "additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found \"abc\" (hint: only the digits of the port, e.g. \"5000\")",
  ],
  "port_no \"65536\"": [
    "additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found \"65536\" (hint: ports range from 1 to 65535)",
  ],
  "port_no 5000.5": [
    "additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found 5000.5 (hint: a port is a whole number)",
  ],
  "port_no true": [
    "additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found true",
  ],
  "server with path": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"registry.example.com:5000/v2\" (hint: no path: only host and port)",
  ],
  "server with scheme": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"http://192.168.246.10:5000\" (hint: leave out \"http://\"; connection_type selects HTTP or HTTPS)",
  ],
  "server bad IPv4": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"192.168.246.300:5000\" (hint: \"192.168.246.300\" is not a valid IPv4 address)",
  ],
  "server bare IPv6": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"fd00::10\" (hint: put an IPv6 address in brackets: [fd00::10]:5000)",
  ],
  "server bad host name": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"my_registry:5000\" (hint: \"my_registry\" is not a valid host name)",
  ],
  "server port 0": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"registry.example.com:0\" (hint: the port 0 is outside 1–65535)",
  ],
  "server port not numeric": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"registry.example.com:http\" (hint: the port \"http\" is not a number)",
  ],
  "server vnf: without id": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found \"vnf:\" (hint: vnf: must be followed by the id of a registry VNF instance)",
  ],
  "hosts_string reversed": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].hosts_string: expected an /etc/hosts line 'IP FQDN [FQDN…]', found \"registry.example.com 192.168.246.10\" (hint: it must start with an IP address, not \"registry.example.com\")",
  ],
  "hosts_string without name": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].hosts_string: expected an /etc/hosts line 'IP FQDN [FQDN…]', found \"192.168.246.10\" (hint: add the host name after the address, e.g. \"192.168.246.10 registry.example.com\")",
  ],
  "hosts_string bad name": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].hosts_string: expected an /etc/hosts line 'IP FQDN [FQDN…]', found \"192.168.246.10 my_registry\" (hint: \"my_registry\" is not a valid host name)",
  ],
  "connection_type 2": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].connection_type: expected a connection type: \"0\" (HTTP) or \"1\" (HTTPS), found 2",
  ],
  "connection_type \"https\"": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].connection_type: expected a connection type: \"0\" (HTTP) or \"1\" (HTTPS), found \"https\" (hint: use \"1\" for HTTPS)",
  ],
  "registry without connection_type and server": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].connection_type: expected a connection type: \"0\" (HTTP) or \"1\" (HTTPS), found nothing",
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].server: expected a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>, found nothing",
  ],
  "certificate_path with HTTP": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].certificate_path: expected no certificate_path with connection_type \"0\" (HTTP), found \"Files/certs/registry-ca.crt\" (hint: a CA certificate is only used for HTTPS: set connection_type to \"1\" or remove certificate_path)",
  ],
  "duplicate registry server": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[1].server: expected each registry server once, found \"192.168.246.10:5000\" (hint: private_registry_connection_info[0] has the same server)",
  ],
  "unknown registry key": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].user_name: expected a known key (connection_type, server, username, password, certificate_path, hosts_string), found unknown key \"user_name\" (hint: did you mean username?)",
  ],
  "container_runtime cri-o": [
    "additionalParams.k8s_cluster_installation_param.container_runtime: expected a container runtime: \"containerd\" or \"docker\", found \"cri-o\"",
  ],
  "kubernetes_version with v": [
    "additionalParams.k8s_cluster_installation_param.kubernetes_version: expected a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4, found \"v1.30.4\" (hint: without the \"v\": 1.30.4)",
  ],
  "kubernetes_version without patch": [
    "additionalParams.k8s_cluster_installation_param.kubernetes_version: expected a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4, found \"1.30\" (hint: give the patch release too, e.g. 1.30.0)",
  ],
  "http_proxy without scheme": [
    "additionalParams.private_registry_installation_param.proxy.http_proxy: expected a proxy URL such as http://[user:password@]proxy.example.com:3128, found \"proxy.example.com:3128\" (hint: it must start with http:// (or https://, socks5://))",
  ],
  "https_proxy ftp": [
    "additionalParams.private_registry_installation_param.proxy.https_proxy: expected a proxy URL such as http://[user:password@]proxy.example.com:3128, found \"ftp://proxy.example.com\" (hint: unsupported scheme \"ftp\"; use http, https or socks5)",
  ],
  "no_proxy with space and host bits": [
    "additionalParams.private_registry_installation_param.proxy.no_proxy: expected a comma-separated list of host names, domains, IP addresses and CIDRs, found \"10.0.0.1/8,localhost\" (hint: \"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?)",
  ],
  "no_proxy bad entry": [
    "additionalParams.private_registry_installation_param.proxy.no_proxy: expected a comma-separated list of host names, domains, IP addresses and CIDRs, found \"localhost,bad host\" (hint: \"bad host\" is not a host name, domain, IP address or CIDR)",
  ],
  "proxy unknown key": [
    "additionalParams.private_registry_installation_param.proxy.ftp_proxy: expected a known key (http_proxy, https_proxy, no_proxy), found unknown key \"ftp_proxy\" (hint: did you mean http_proxy?)",
  ],
  "vim_name with space": [
    "additionalParams.k8s_cluster_installation_param.vim_name: expected a VIM name, found \"kubernetes vim\" (hint: letters, digits, \"_\", \"-\" and \".\" only)",
  ],
  "master_node missing, worker_node a string": [
    "additionalParams.k8s_cluster_installation_param.master_node: expected an object {aspect_id, ssh_cp_name, nic_cp_name, username, password, pod_cidr, cluster_cidr, cluster_cp_name, cluster_fip_name}, found nothing",
    "additionalParams.k8s_cluster_installation_param.worker_node: expected an object {aspect_id, ssh_cp_name, nic_cp_name, username, password}, found \"worker\"",
  ],
  "master_node unknown keys": [
    "additionalParams.k8s_cluster_installation_param.master_node.pod_cdir: expected a known key (aspect_id, ssh_cp_name, nic_cp_name, username, password, pod_cidr, cluster_cidr, cluster_cp_name, cluster_fip_name), found unknown key \"pod_cdir\" (hint: did you mean pod_cidr?)",
    "additionalParams.k8s_cluster_installation_param.master_node.user: expected a known key (aspect_id, ssh_cp_name, nic_cp_name, username, password, pod_cidr, cluster_cidr, cluster_cp_name, cluster_fip_name), found unknown key \"user\"",
  ],
  "script_path missing": [
    "additionalParams.k8s_cluster_installation_param.script_path: expected a file path relative to the VNF package root, found nothing",
  ],
  "same aspect for masters and workers": [
    "additionalParams.k8s_cluster_installation_param.worker_node.aspect_id: expected an aspect other than the master nodes' one, found \"master_instance\" (hint: master and worker nodes are separate scaling groups)",
  ],
  "neither installation param": [
    "additionalParams: expected private_registry_installation_param or k8s_cluster_installation_param, found keys [\"nfv\"]",
  ],
  "both installation params": [
    "additionalParams: expected only one of private_registry_installation_param and k8s_cluster_installation_param, found both (hint: one parameter file deploys one VNF)",
  ],
  "misspelt additionalParams key": [
    "additionalParams.k8s_cluster_installation_params: expected a known key (private_registry_installation_param, k8s_cluster_installation_param, lcm-operation-user-data, lcm-operation-user-data-class, nfv), found unknown key \"k8s_cluster_installation_params\" (hint: did you mean k8s_cluster_installation_param?)",
  ],
  "heal credentials in instantiate": [
    "additionalParams.k8s_cluster_installation_param.master_node_password: expected a known key (script_path, vim_name, master_node, worker_node, proxy, helm_installation_script_path, container_runtime, kubernetes_version, private_registry_connection_info, storage_server, pv_registration_params), found unknown key \"master_node_password\"",
  ],
  "storage_server incomplete": [
    "additionalParams.k8s_cluster_installation_param.storage_server.nic_cp_name: expected the name of the CP carrying the storage network, found nothing",
    "additionalParams.k8s_cluster_installation_param.storage_server.username: expected an SSH user name, found nothing",
    "additionalParams.k8s_cluster_installation_param.storage_server.password: expected an SSH password, found nothing",
    "additionalParams.k8s_cluster_installation_param.storage_server.cinder_volume_setup_params: expected a list of {volume_resource_id, mount_to}, found nothing",
    "additionalParams.k8s_cluster_installation_param.storage_server.nfs_server_setup_params: expected a list of {export_dir, export_to}, found nothing",
  ],
  "certificate .pem with docker": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].certificate_path: expected a CA certificate file named *.crt, found \"Files/certs/registry-ca.pem\" (hint: Docker only reads CA certificates ending in .crt from /etc/docker/certs.d)",
  ],
  "image_path ../": [
    "additionalParams.private_registry_installation_param.image_path: expected a file path relative to the VNF package root, found \"../registry.tar\" (hint: '..' is not allowed: the file must be inside the package)",
  ],
  "image_path absolute": [
    "additionalParams.private_registry_installation_param.image_path: expected a file path relative to the VNF package root, found \"/etc/passwd\" (hint: absolute paths are not allowed; give the path of a file inside the package, e.g. Scripts/install_k8s_cluster.sh)",
  ],
  "script_path nested ..": [
    "additionalParams.k8s_cluster_installation_param.script_path: expected a file path relative to the VNF package root, found \"Scripts/../../x.sh\" (hint: '..' is not allowed: the file must be inside the package)",
  ],
  "pkg: flavour misspelt": [
    "flavourId: expected a flavour of the VNF package, found \"simpel\" (hint: did you mean simple?)",
  ],
  "pkg: flavour unknown": [
    "flavourId: expected a flavour of the VNF package, found \"podaffinity\" (hint: flavours: simple, complex)",
  ],
  "pkg: instantiation level unknown": [
    "instantiationLevelId: expected an instantiation level of flavour simple, found \"instantiation_level_3\" (hint: did you mean instantiation_level_1?)",
  ],
  "pkg: instantiation level on a flavour without levels": [
    "instantiationLevelId: expected an instantiation level of flavour simple, found \"instantiation_level_1\" (hint: flavour simple defines no instantiation levels)",
  ],
  "pkg: cpdId not of the flavour": [
    "extVirtualLinks[0].extCps[0].cpdId: expected a CP of flavour simple, found \"CP2\" (hint: did you mean CP1?)",
    "extVirtualLinks: expected an extCps entry with cpdId \"CP1\", found no extCps entry for CP1 (hint: CP1 of VDU PrivateRegistryVDU is external; without an external virtual link it would have no network)",
  ],
  "pkg: ssh_cp_name not a CP": [
    "additionalParams.private_registry_installation_param.ssh_cp_name: expected a CP of flavour simple, found \"VDU1_CP1\" (hint: CPs of flavour simple: CP1)",
  ],
  "pkg: image_path symlink out": [
    "additionalParams.private_registry_installation_param.image_path: expected a file inside the VNF package, found \"Files/images/evil.tar\" (hint: it is a symbolic link that resolves outside the package (to /etc/passwd))",
  ],
  "pkg: image_path missing": [
    "additionalParams.private_registry_installation_param.image_path: expected a file inside the VNF package, found \"Files/images/registry.tgz\" (hint: no such file in the package; did you mean Files/images/registry.tar?)",
  ],
  "pkg: image_path a directory": [
    "additionalParams.private_registry_installation_param.image_path: expected a file inside the VNF package, found \"Files/images/dir\" (hint: it is a directory)",
  ],
  "pkg: image_path broken symlink": [
    "additionalParams.private_registry_installation_param.image_path: expected a file inside the VNF package, found \"Files/images/broken.tar\" (hint: it is a symbolic link to a file that does not exist)",
  ],
  "pkg: image_path absolute": [
    "additionalParams.private_registry_installation_param.image_path: expected a file path relative to the VNF package root, found \"/etc/passwd\" (hint: absolute paths are not allowed; give the path of a file inside the package, e.g. Scripts/install_k8s_cluster.sh)",
  ],
  "pkg: script_path via symlinked directory": [
    "additionalParams.k8s_cluster_installation_param.script_path: expected a file inside the VNF package, found \"Files/etc/passwd\" (hint: it is a symbolic link that resolves outside the package (to /etc/passwd))",
  ],
  "pkg: script symlink out, helm missing, cert ..": [
    "additionalParams.k8s_cluster_installation_param.private_registry_connection_info[0].certificate_path: expected a file path relative to the VNF package root, found \"../ca.crt\" (hint: '..' is not allowed: the file must be inside the package)",
    "additionalParams.k8s_cluster_installation_param.script_path: expected a file inside the VNF package, found \"Scripts/evil.sh\" (hint: it is a symbolic link that resolves outside the package (to /etc/passwd))",
    "additionalParams.k8s_cluster_installation_param.helm_installation_script_path: expected a file inside the VNF package, found \"Scripts/install-helm.sh\" (hint: no such file in the package; did you mean Scripts/install_helm.sh?)",
  ],
  "pkg: aspects wrong": [
    "additionalParams.k8s_cluster_installation_param.master_node.aspect_id: expected a scaling aspect of flavour simple, found \"master_instanc\" (hint: did you mean master_instance?)",
    "additionalParams.k8s_cluster_installation_param.worker_node.aspect_id: expected a scaling aspect of flavour simple, found \"workers\" (hint: aspects of flavour simple: master_instance, worker_instance)",
  ],
  "pkg: master CPs of the worker VDU": [
    "additionalParams.k8s_cluster_installation_param.master_node.nic_cp_name: expected a CP of VDU masterNode, like ssh_cp_name, found \"workerNode_CP2\" (hint: workerNode_CP2 belongs to VDU workerNode)",
  ],
  "pkg: worker CP unknown": [
    "additionalParams.k8s_cluster_installation_param.worker_node.ssh_cp_name: expected a CP of flavour simple, found \"workerNode_CP1\" (hint: did you mean workerNode_CP2?)",
    "additionalParams.k8s_cluster_installation_param.worker_node.nic_cp_name: expected a CP of flavour simple, found \"worker_CP\" (hint: CPs of flavour simple: masterNode_CP1, workerNode_CP2)",
  ],
  "pkg: cluster_cp_name unknown (no BaseHOT)": [
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_cp_name: expected a CP of flavour simple or a port of its BaseHOT, found \"vip_CP2\" (hint: did you mean vip_CP?)",
  ],
  "pkg: worker CP without network": [
    "extVirtualLinks: expected an extCps entry with cpdId \"workerNode_CP2\", found no extCps entry for workerNode_CP2 (hint: workerNode_CP2 of VDU workerNode is external; without an external virtual link it would have no network)",
  ],
  "pkg: no extVirtualLinks at all": [
    "extVirtualLinks: expected an extCps entry with cpdId \"CP1\", found nothing (hint: CP1 of VDU PrivateRegistryVDU is external; without an external virtual link it would have no network)",
  ],
  "pkg: registry params for a k8s flavour": [
    "extVirtualLinks[0].extCps[0].cpdId: expected a CP of flavour simple, found \"CP1\" (hint: CPs of flavour simple: masterNode_CP1, workerNode_CP2)",
    "extVirtualLinks: expected an extCps entry with cpdId \"masterNode_CP1\", found no extCps entry for masterNode_CP1 (hint: masterNode_CP1 of VDU masterNode is external; without an external virtual link it would have no network)",
    "extVirtualLinks: expected an extCps entry with cpdId \"workerNode_CP2\", found no extCps entry for workerNode_CP2 (hint: workerNode_CP2 of VDU workerNode is external; without an external virtual link it would have no network)",
    "additionalParams.k8s_cluster_installation_param: expected the Kubernetes cluster installation parameters (flavour simple deploys a Kubernetes cluster), found nothing",
    "additionalParams.private_registry_installation_param: expected no private registry parameters for flavour simple, found {\"ssh_cp_name\":\"CP1\",\"ssh_username\":\"ubuntu\",\"ssh_password\"… (hint: this flavour deploys a Kubernetes cluster; use k8s_cluster_installation_param)",
  ],
  "pkg: k8s params for the registry flavour": [
    "extVirtualLinks[0].extCps[0].cpdId: expected a CP of flavour simple, found \"masterNode_CP1\" (hint: CPs of flavour simple: CP1)",
    "extVirtualLinks[1].extCps[0].cpdId: expected a CP of flavour simple, found \"workerNode_CP2\" (hint: CPs of flavour simple: CP1)",
    "extVirtualLinks: expected an extCps entry with cpdId \"CP1\", found no extCps entry for CP1 (hint: CP1 of VDU PrivateRegistryVDU is external; without an external virtual link it would have no network)",
    "additionalParams.private_registry_installation_param: expected the private registry installation parameters (flavour simple deploys a Docker private registry), found nothing",
    "additionalParams.k8s_cluster_installation_param: expected no Kubernetes parameters for flavour simple, found {\"script_path\":\"Scripts/install_k8s_cluster.sh\",\"vim_name\":… (hint: this flavour deploys a Docker private registry; use private_registry_installation_param)",
  ],
  "pkg: complex BaseHOT names": [
    "additionalParams.other_param: expected a known key (private_registry_installation_param, k8s_cluster_installation_param, lcm-operation-user-data, lcm-operation-user-data-class, nfv, or a BaseHOT parameter: nfv, extra_param), found unknown key \"other_param\"",
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_cp_name: expected a CP of flavour complex or a port of its BaseHOT, found \"vip_port\" (hint: candidates: masterNode_CP1, workerNode_CP2, vip_CP)",
    "additionalParams.k8s_cluster_installation_param.master_node.cluster_fip_name: expected a floating IP resource of the BaseHOT of flavour complex, found \"vip_FloatingIp\" (hint: did you mean vip_FloatingIP?)",
  ],
  "pkg: extManagedVirtualLinks unknown VL": [
    "extManagedVirtualLinks[0].vnfVirtualLinkDescId: expected an internal virtual link of flavour simple, found \"internalVL2\" (hint: did you mean internalVL1?)",
  ],
  "pkg: master nic on worker VDU, ssh+aspect agree": [
    "additionalParams.k8s_cluster_installation_param.master_node.nic_cp_name: expected a CP of VDU masterNode, like ssh_cp_name, found \"workerNode_CP2\" (hint: workerNode_CP2 belongs to VDU workerNode)",
  ],
  "pkg: master aspect wrong but CPs agree": [
    "additionalParams.k8s_cluster_installation_param.master_node.aspect_id: expected the aspect that scales VDU masterNode (the master nodes), found \"worker_instance\" (hint: did you mean master_instance?)",
  ],
  "pkg: worker uses master CPs, no aspects": [
    "additionalParams.k8s_cluster_installation_param.worker_node.nic_cp_name: expected a CP of a VDU other than the master nodes' (masterNode), found \"masterNode_CP1\"",
  ],

};

describe('validateInstantiateRequest: corpus of bad param files', () => {
  it('has at least 40 cases, each with expected lines', () => {
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
    assert.deepEqual(CASES.map((c) => c.name).sort(), Object.keys(EXPECTED).sort());
  });
  for (const c of CASES) {
    it(c.name, () => {
      const r = validateInstantiateRequest(c.body, pkgOf(c.pkg));
      assert.deepEqual(r.problems.map(formatProblem), EXPECTED[c.name]);
      assert.ok(r.problems.length > 0, 'a bad file must have problems');
      assert.equal(r.request, undefined);
    });
  }
});

describe('good files (the guide files, comments removed)', () => {
  it('registry file: clean without and with the package; defaults applied', () => {
    for (const pkg of [undefined, regPkg]) {
      const r = validateInstantiateRequest(R, pkg);
      assert.deepEqual(r.problems, []);
      assert.deepEqual(r.notes, []);
      assert.equal(r.request?.flavourId, 'simple');
      assert.equal(r.request?.additionalParams.private_registry_installation_param?.port_no, 5000);
    }
  });

  it('kubernetes file: clean without and with the package (vip_CP accepted without BaseHOT); defaults applied', () => {
    for (const pkg of [undefined, k8sPkg]) {
      const r = validateInstantiateRequest(K, pkg);
      assert.deepEqual(r.problems, []);
      const k = r.request?.additionalParams.k8s_cluster_installation_param;
      assert.equal(k?.container_runtime, 'containerd');
      assert.equal(k?.master_node.pod_cidr, '192.168.0.0/16');
      assert.equal(k?.private_registry_connection_info?.[0]?.connection_type, '0');
      assert.equal(r.request?.additionalParams['lcm-operation-user-data'], './UserData/k8s_cluster_user_data.py');
    }
    const noCidrs = edits(K, [['additionalParams', 'k8s_cluster_installation_param', 'master_node', 'cluster_cidr'], DEL]);
    assert.equal(validateInstantiateRequest(noCidrs).request?.additionalParams.k8s_cluster_installation_param?.master_node.cluster_cidr, '10.96.0.0/12');
  });

  it('the verbatim guide files (comments removed) only fail on their proxy placeholders host1:port1', () => {
    const proxyLine = (base: string, key: string, found: string, port: string) =>
      `additionalParams.${base}.proxy.${key}: expected a proxy URL such as http://[user:password@]proxy.example.com:3128, found "${found}" (hint: the port "${port}" is not a number)`;
    assert.deepEqual(lines(readJson('guide/private_registry_param_file.nocomments.json'), regPkg), [
      proxyLine('private_registry_installation_param', 'http_proxy', 'http://user1:***@host1:port1', 'port1'),
      proxyLine('private_registry_installation_param', 'https_proxy', 'https://user2:***@host2:port2', 'port2'),
    ]);
    assert.deepEqual(lines(readJson('guide/private_registry_kubernetes_param_file.nocomments.json'), k8sPkg), [
      proxyLine('k8s_cluster_installation_param', 'http_proxy', 'http://user1:***@host1:port1', 'port1'),
      proxyLine('k8s_cluster_installation_param', 'https_proxy', 'https://user2:***@host2:port2', 'port2'),
    ]);
  });

  it('more valid forms', () => {
    const PK = ['additionalParams', 'k8s_cluster_installation_param'];
    const REG0 = [...PK, 'private_registry_connection_info', 0];
    const ok = [
      edits(K, [[...REG0, 'server'], 'vnf:f93ed99c-e2f2-4f18-8377-37a171ea344f']),
      edits(K, [[...REG0, 'server'], '[fd00::10]:5000']),
      edits(K, [[...REG0, 'server'], 'registry.example.com'], [[...REG0, 'connection_type'], 1], [[...REG0, 'certificate_path'], 'Files/certs/registry-ca.crt']),
      edits(K, [[...REG0, 'hosts_string'], '192.168.246.10 registry.example.com registry']),
      edits(K, [[...PK, 'proxy', 'no_proxy'], '*.example.com,.internal,localhost:8080,[fd00::1],fd00::/64,10.0.0.0/8,*']),
      edits(K, [[...PK, 'proxy', 'http_proxy'], 'http://us&er:p&ss@proxy.example.com:3128/?a=1&b=2'], [[...PK, 'proxy', 'https_proxy'], 'socks5://[fd00::1]:1080']),
      edits(K, [[...PK, 'kubernetes_version'], '1.30.4'], [[...PK, 'container_runtime'], 'docker'], [[...PK, 'helm_installation_script_path'], 'Scripts/install_helm.sh']),
      edits(K, [[...PK, 'master_node', 'pod_cidr'], 'fd00:10::/56'], [[...PK, 'master_node', 'cluster_cidr'], 'fd00:20::/112']),
      edits(K, [['instantiationLevelId'], 'instantiation_level_2'], [['extManagedVirtualLinks'], [{ id: 'm1', vnfVirtualLinkDescId: 'internalVL1', resourceId: 'n1' }]]),
    ];
    for (const body of ok) assert.deepEqual(lines(body, k8sPkg), []);
    const PR = ['additionalParams', 'private_registry_installation_param'];
    const reg = edits(R, [[...PR, 'port_no'], '5001'], [[...PR, 'image_path'], './Files/images/alias.tar']);
    const r = validateInstantiateRequest(reg, regPkg);
    assert.deepEqual(r.problems, []);
    assert.equal(r.request?.additionalParams.private_registry_installation_param?.port_no, 5001);
  });

  it('complex flavour: BaseHOT resources and parameters are accepted', () => {
    const M = ['additionalParams', 'k8s_cluster_installation_param', 'master_node'];
    const body = edits(K, [['flavourId'], 'complex'], [[...M, 'ssh_cp_name'], 'masterNode_FloatingIP'], [[...M, 'cluster_fip_name'], 'vip_FloatingIP'], [['additionalParams', 'extra_param'], 'x']);
    assert.deepEqual(lines(body, k8sPkg), []);
  });

  it('storage_server / pv_registration_params: accepted with a note', () => {
    const PK = ['additionalParams', 'k8s_cluster_installation_param'];
    const body = edits(
      K,
      [[...PK, 'storage_server'], { ssh_cp_name: 'storage_CP1', nic_cp_name: 'storage_CP1', username: 'ubuntu', password: 'ubuntu', cinder_volume_setup_params: [{ volume_resource_id: 'storage_volume', mount_to: '/volume' }], nfs_server_setup_params: [{ export_dir: '/volume/nfs/pv1', export_to: '10.10.0.0/24' }] }],
      [[...PK, 'pv_registration_params'], [{ pv_manifest_file_path: 'Files/kubernetes/nfs-pv1.yaml', nfs_server_cp: 'storage_CP1' }]],
    );
    const r = validateInstantiateRequest(body);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.notes, [
      'additionalParams.k8s_cluster_installation_param.storage_server is accepted but not acted on yet: vnflcm does not set up an NFS storage server',
      'additionalParams.k8s_cluster_installation_param.pv_registration_params is accepted but not acted on yet: vnflcm does not register persistent volumes',
    ]);
  });
});

describe('shell metacharacters in every string field of both shapes', () => {
  const PR = ['additionalParams', 'private_registry_installation_param'];
  const PK = ['additionalParams', 'k8s_cluster_installation_param'];
  const REG = [...PK, 'private_registry_connection_info'];
  const PROXY = 'a proxy URL such as http://[user:password@]proxy.example.com:3128';
  const NO_PROXY = 'a comma-separated list of host names, domains, IP addresses and CIDRs';
  const PATH = 'a file path relative to the VNF package root';
  const regBody = edits(R, [[...PR, 'image_path'], 'Files/images/registry.tar'], [[...PR, 'proxy', 'http_proxy'], 'http://proxy.example.com:3128'], [[...PR, 'proxy', 'https_proxy'], 'http://proxy.example.com:3128']);
  const k8sBody = edits(
    K,
    [[...PK, 'helm_installation_script_path'], 'Scripts/install_helm.sh'],
    [[...PK, 'kubernetes_version'], '1.30.4'],
    [[...PK, 'master_node', 'cluster_fip_name'], 'vip_FloatingIP'],
    [[...PK, 'proxy', 'http_proxy'], 'http://proxy.example.com:3128'],
    [[...PK, 'proxy', 'https_proxy'], 'http://proxy.example.com:3128'],
    [[...REG, 0], { connection_type: '0', server: '192.168.246.10:5000', username: 'admin', password: 'secret', hosts_string: '192.168.246.10 registry.example.com' }],
    [[...REG, 1], { connection_type: 1, server: 'registry.example.com', certificate_path: 'Files/certs/registry-ca.crt' }],
  );
  const FIELDS: [unknown, Path, string][] = [
    [regBody, [...PR, 'ssh_cp_name'], 'the name of the CP used for SSH'],
    [regBody, [...PR, 'ssh_username'], 'an SSH user name'],
    [regBody, [...PR, 'image_path'], PATH],
    [regBody, [...PR, 'proxy', 'http_proxy'], PROXY],
    [regBody, [...PR, 'proxy', 'https_proxy'], PROXY],
    [regBody, [...PR, 'proxy', 'no_proxy'], NO_PROXY],
    [k8sBody, [...PK, 'script_path'], PATH],
    [k8sBody, [...PK, 'vim_name'], 'a VIM name'],
    [k8sBody, [...PK, 'master_node', 'aspect_id'], 'a scaling aspect id of the flavour'],
    [k8sBody, [...PK, 'master_node', 'ssh_cp_name'], 'the name of the CP used for SSH'],
    [k8sBody, [...PK, 'master_node', 'nic_cp_name'], 'the name of the CP carrying the cluster network'],
    [k8sBody, [...PK, 'master_node', 'username'], 'an SSH user name'],
    [k8sBody, [...PK, 'master_node', 'pod_cidr'], 'a pod network CIDR such as 192.168.0.0/16'],
    [k8sBody, [...PK, 'master_node', 'cluster_cidr'], 'a service network CIDR such as 10.96.0.0/12'],
    [k8sBody, [...PK, 'master_node', 'cluster_cp_name'], 'the name of the CP (or VIP port) giving the API server address'],
    [k8sBody, [...PK, 'master_node', 'cluster_fip_name'], 'the name of the floating IP resource of the API server'],
    [k8sBody, [...PK, 'worker_node', 'aspect_id'], 'a scaling aspect id of the flavour'],
    [k8sBody, [...PK, 'worker_node', 'ssh_cp_name'], 'the name of the CP used for SSH'],
    [k8sBody, [...PK, 'worker_node', 'nic_cp_name'], 'the name of the CP carrying the cluster network'],
    [k8sBody, [...PK, 'worker_node', 'username'], 'an SSH user name'],
    [k8sBody, [...PK, 'proxy', 'http_proxy'], PROXY],
    [k8sBody, [...PK, 'proxy', 'https_proxy'], PROXY],
    [k8sBody, [...PK, 'proxy', 'no_proxy'], NO_PROXY],
    [k8sBody, [...PK, 'proxy', 'k8s_node_cidr'], 'a node network CIDR such as 10.10.0.0/24'],
    [k8sBody, [...PK, 'helm_installation_script_path'], PATH],
    [k8sBody, [...PK, 'kubernetes_version'], 'a Kubernetes version MAJOR.MINOR.PATCH such as 1.30.4'],
    [k8sBody, [...REG, 0, 'server'], 'a registry address host[:port] (host name, IPv4 or [IPv6]) or vnf:<instance id>'],
    [k8sBody, [...REG, 0, 'username'], 'a registry user name'],
    [k8sBody, [...REG, 0, 'hosts_string'], "an /etc/hosts line 'IP FQDN [FQDN…]'"],
    [k8sBody, [...REG, 1, 'certificate_path'], PATH],
  ];
  const TOKENS: [string, string][] = [
    [';', "';'"], ['|', "'|'"], ['&', "'&'"], ['`', 'a backtick'], ['$(', "'$('"], ['${', "'${'"], ["'", 'a single quote'],
    ['"', 'a double quote'], ['<', "'<'"], ['>', "'>'"], ['\n', 'a newline'], ['\r', 'a carriage return'], ['\0', 'a NUL character'],
  ];
  const fmt = (path: Path) => path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${seg}` : seg), '');
  const get = (body: unknown, path: Path) => path.reduce<unknown>((v, seg) => (v as Record<string | number, unknown>)[seg], body);

  it('the bodies are valid before the metacharacters go in', () => {
    assert.deepEqual(lines(regBody, regPkg), []);
    assert.deepEqual(lines(k8sBody), []);
  });
  for (const [body, path, what] of FIELDS) {
    it(fmt(path), () => {
      for (const [token, desc] of TOKENS) {
        const base = get(body, path) as string;
        const value = `${base}${token}x`;
        assert.deepEqual(lines(edits(body, [path, value])), [
          `${fmt(path)}: expected ${what} without shell metacharacters, found ${JSON.stringify(value)} (hint: it contains ${desc} at character ${base.length + 1}, which is never legitimate here and could run commands on the VM)`,
        ], JSON.stringify(token));
      }
    });
  }

  it('passwords may contain anything but NUL and line breaks; they are never shown', () => {
    const PASSWORDS: [unknown, Path, string][] = [
      [regBody, [...PR, 'ssh_password'], 'an SSH password'],
      [k8sBody, [...PK, 'master_node', 'password'], 'an SSH password'],
      [k8sBody, [...PK, 'worker_node', 'password'], 'an SSH password'],
      [k8sBody, [...REG, 0, 'password'], 'a registry password'],
    ];
    for (const [body, path, what] of PASSWORDS) {
      assert.deepEqual(lines(edits(body, [path, `p;|&\`$(x)\${y}'"<> w\\ord`])), []);
      for (const [token, desc] of TOKENS.slice(-3)) {
        assert.deepEqual(lines(edits(body, [path, `pass${token}word`])), [
          `${fmt(path)}: expected ${what} without NUL characters or line breaks, found a 9-character string (not shown) (hint: it contains ${desc} at character 5; everything else is allowed in passwords)`,
        ]);
      }
    }
  });

  it("'&' is allowed in proxy URL userinfo and query only", () => {
    const path = [...PK, 'proxy', 'http_proxy'];
    assert.deepEqual(lines(edits(k8sBody, [path, 'http://a&b:c&d@proxy.example.com:3128/?x=1&y=2'])), []);
    assert.deepEqual(lines(edits(k8sBody, [path, 'http://proxy&.example.com:3128'])), [
      `${fmt(path)}: expected ${PROXY} without shell metacharacters, found "http://proxy&.example.com:3128" (hint: it contains '&' at character 13, which is never legitimate here and could run commands on the VM)`,
    ]);
  });
});

describe('validateParamFile', () => {
  it('throws InputError (exit 3) listing every problem, with the title', async () => {
    const dir = mkdtempSync(join(TMP, 'vpf-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(edits(R, [['flavourId'], 'simpel'], [['additionalParams', 'private_registry_installation_param', 'port_no'], 0])));
    await assert.rejects(validateParamFile(file, regPkg), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.exitCode, 3);
      assert.equal(
        e.message,
        [
          `Invalid parameter file ${file}: 2 problems`,
          '  - additionalParams.private_registry_installation_param.port_no: expected a TCP port number 1–65535 (an integer or a string of digits), found 0 (hint: ports range from 1 to 65535)',
          '  - flavourId: expected a flavour of the VNF package, found "simpel" (hint: did you mean simple?)',
        ].join('\n'),
      );
      return true;
    });
    writeFileSync(file, JSON.stringify(edits(R, [['flavourId'], 'simpel'])));
    await assert.rejects(validateParamFile(file, regPkg), { message: `Invalid parameter file ${file}: 1 problem\n  - flavourId: expected a flavour of the VNF package, found "simpel" (hint: did you mean simple?)` });
  });

  it('load errors stay the real client messages (exit 1); a good file returns the request', async () => {
    await assert.rejects(validateParamFile(`${FIX}guide/private_registry_param_file.json`), (e: unknown) => e instanceof CliError && !(e instanceof InputError) && e.exitCode === 1);
    const req = await validateParamFile(`${FIX}good/private_registry_kubernetes_param_file.json`, k8sPkg);
    assert.equal(req.flavourId, 'simple');
    const notes: string[] = [];
    const dir = mkdtempSync(join(TMP, 'vpf-'));
    writeFileSync(`${dir}/p.json`, JSON.stringify(edits(K, [['additionalParams', 'k8s_cluster_installation_param', 'pv_registration_params'], []])));
    await validateParamFile(`${dir}/p.json`, k8sPkg, { onNote: (n) => notes.push(n) });
    assert.equal(notes.length, 1);
  });
});

describe('heal / scale additional-param files', () => {
  it('heal: good, and every problem', async () => {
    assert.deepEqual(validateHealRequest({ cause: 'healing', vnfcInstanceId: ['a', 'b'], additionalParams: { all: true, master_node_username: 'ubuntu', master_node_password: 'ubuntu' } }).problems, []);
    const r = validateHealRequest({ vnfcInstanceId: '52431660-dde4-49de-99a4-9d593b17b9c4', additionalParams: { worker_node_username: 'ubuntu', al: true }, cuase: 'x' });
    assert.deepEqual(r.problems.map(formatProblem), [
      'vnfcInstanceId: expected a list of VNFC instance ids, found "52431660-dde4-49de-99a4-9d593b17b9c4" (hint: write a list: ["52431660-dde4-49de-99a4-9d593b17b9c4"])',
      'additionalParams.al: expected a known key (all, master_node_username, master_node_password, worker_node_username, worker_node_password), found unknown key "al" (hint: did you mean all?)',
      'cuase: expected a known key (cause, vnfcInstanceId, additionalParams), found unknown key "cuase" (hint: did you mean cause?)',
      'additionalParams.worker_node_password: expected an SSH password for the worker nodes, found nothing (hint: worker_node_username is given; give both or neither)',
    ]);
    const dir = mkdtempSync(join(TMP, 'heal-'));
    writeFileSync(`${dir}/h.json`, '[["additionalParams", {"all": true}]]');
    assert.deepEqual(await validateHealParamFile(`${dir}/h.json`), { additionalParams: { all: true } });
  });

  it('scale: good, and every problem', () => {
    assert.deepEqual(validateScaleRequest({ type: 'SCALE_OUT', aspectId: 'worker_instance', numberOfSteps: 2, additionalParams: { worker_node_username: 'u', worker_node_password: 'p' } }).problems, []);
    const r = validateScaleRequest({ type: 'UP', numberOfSteps: 0, additionalParams: { master_node_password: 'x\ny' } });
    assert.deepEqual(r.problems.map(formatProblem), [
      'type: expected a scale type: "SCALE_OUT" or "SCALE_IN", found "UP"',
      'numberOfSteps: expected a number of steps (an integer ≥ 1), found 0',
      'additionalParams.master_node_password: expected an SSH password for the master nodes without NUL characters or line breaks, found a 3-character string (not shown) (hint: it contains a newline at character 2; everything else is allowed in passwords)',
      'additionalParams.master_node_username: expected an SSH user name for the master nodes, found nothing (hint: master_node_password is given; give both or neither)',
    ]);
  });
});

describe('the cross-field checks are part of the schema (the one parser)', () => {
  const issues = (body: unknown, pkg?: VnfPackage) => {
    const r = (pkg ? instantiateVnfRequestSchemaFor({ pkg }) : instantiateVnfRequestSchema).safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const reg = (e: Record<string, unknown>) => edits(K, [[...PK, 'private_registry_connection_info'], [{ connection_type: '0', server: '10.0.0.20:5000', ...e }]]);

  it('registry credentials in pairs, a CA only for HTTPS, each server once', () => {
    assert.deepEqual(issues(reg({ username: 'u' })), ['additionalParams.k8s_cluster_installation_param.private_registry_connection_info.0.password: a registry password']);
    assert.deepEqual(issues(reg({ password: 'p' })), ['additionalParams.k8s_cluster_installation_param.private_registry_connection_info.0.username: a registry user name']);
    assert.deepEqual(issues(reg({ certificate_path: 'Files/ca.crt' })), ['additionalParams.k8s_cluster_installation_param.private_registry_connection_info.0.certificate_path: no certificate_path with connection_type "0" (HTTP)']);
    const twice = edits(K, [[...PK, 'private_registry_connection_info'], [{ connection_type: '0', server: 'r:5000' }, { connection_type: 0, server: 'r:5000' }]]);
    assert.deepEqual(issues(twice), ['additionalParams.k8s_cluster_installation_param.private_registry_connection_info.1.server: each registry server once']);
    assert.deepEqual(issues(reg({ username: 'u', password: 'p' })), []);
  });

  it('overlapping CIDRs and duplicate ids; they are found even when a value elsewhere is wrong', () => {
    const body = edits(K, [[...M, 'cluster_cidr'], '192.168.0.0/20'], [['flavourId'], 7]);
    assert.deepEqual(issues(body), [
      'flavourId: a flavour id',
      'additionalParams.k8s_cluster_installation_param.master_node.cluster_cidr: a service CIDR that does not overlap pod_cidr 192.168.0.0/16',
    ]);
  });

  it('against a package: the same schema with the package checks', () => {
    assert.deepEqual(issues(edits(K, [['flavourId'], 'nope']), k8sPkg).slice(0, 1), ['flavourId: a flavour of the VNF package']);
    assert.deepEqual(issues(K, k8sPkg), []);
    // the parsed value is the typed request (defaults applied)
    const r = instantiateVnfRequestSchemaFor({ pkg: k8sPkg }).parse(K);
    assert.equal(r.additionalParams.k8s_cluster_installation_param?.master_node.pod_cidr, '192.168.0.0/16');
  });

  it('heal / scale: SSH credential overrides in pairs', () => {
    assert.deepEqual(
      scaleVnfRequestFileSchema.safeParse({ additionalParams: { master_node_username: 'u' } }).error?.issues.map((i) => i.path.join('.')),
      ['additionalParams.master_node_password'],
    );
  });
});
