/** Test variants of the sample packages (built in temp dirs from samples/). */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ROOT } from './cli.js';

export const SAMPLES = join(ROOT, 'samples');
export const REGISTRY_PKG = join(SAMPLES, 'private-registry-vnf-package');
export const K8S_PKG = join(SAMPLES, 'kubernetes-cluster-vnf-package');
export const REGISTRY_VNFD = 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f';
export const K8S_VNFD = 'b1db0ce7-ebca-1fb7-95ed-4840d70a1163';

function editYaml(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
}

/**
 * A copy of a sample package whose flavours declare no Vnflcm hooks (the cloud side alone), with
 * its own VNFD id so it can sit beside the real sample.
 */
export function hooklessCopy(src: string, flavourFiles: string[], vnfdId: string, topFile: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'vnflcm-pkg-')), 'pkg');
  cpSync(src, dir, { recursive: true });
  for (const f of flavourFiles) {
    editYaml(join(dir, f), (doc) => {
      doc.deleteIn(['topology_template', 'node_templates', 'VNF', 'interfaces']);
      doc.deleteIn(['topology_template', 'node_templates', 'VNF', 'artifacts']);
    });
  }
  replaceVnfdId(dir, topFile, vnfdId);
  return dir;
}

export function replaceVnfdId(dir: string, _topFile: string, vnfdId: string): void {
  for (const f of readdirSync(join(dir, 'Definitions')).filter((n) => n.endsWith('.yaml'))) {
    const p = join(dir, 'Definitions', f);
    const text = readFileSync(p, 'utf8');
    writeFileSync(p, text.replaceAll(REGISTRY_VNFD, vnfdId).replaceAll(K8S_VNFD, vnfdId));
  }
}

/** Add a small raw image file as the VDU's sw_image artifact (with its sha-512 checksum). */
export function addImageArtifact(dir: string, flavourFile: string, vduId: string): { name: string; sha512: string } {
  const data = randomBytes(256 * 1024);
  writeFileSync(join(dir, 'Files', 'images', 'tiny.img'), data);
  const sha512 = createHash('sha512').update(data).digest('hex');
  const name = `vnflcm-test-image-${randomBytes(3).toString('hex')}`;
  editYaml(join(dir, flavourFile), (doc) => {
    const base = ['topology_template', 'node_templates', vduId];
    doc.setIn([...base, 'properties', 'sw_image_data', 'name'], name);
    doc.setIn([...base, 'properties', 'sw_image_data', 'disk_format'], 'raw');
    doc.setIn([...base, 'properties', 'sw_image_data', 'checksum'], doc.createNode({ algorithm: 'sha-512', hash: sha512 }));
    doc.setIn([...base, 'artifacts'], doc.createNode({ sw_image: { type: 'tosca.artifacts.nfv.SwImage', file: '../Files/images/tiny.img' } }));
  });
  return { name, sha512 };
}

/**
 * A copy of the Kubernetes sample (at `dir`) for the test bed, which has no Internet: the HTTPS
 * registry's CA at Files/registries/ca.crt, a CNI manifest shipped in the package and named by the
 * overrides file, and TOSCA.meta's hash of the install script kept in step with the script.
 */
export async function k8sTestbedPackage(dir: string, caFile: string): Promise<string> {
  await cp(K8S_PKG, dir, { recursive: true });
  await mkdir(join(dir, 'Files/registries'), { recursive: true });
  await mkdir(join(dir, 'Files/cni'), { recursive: true });
  await cp(caFile, join(dir, 'Files/registries/ca.crt'));
  await writeFile(join(dir, 'Files/cni/cni.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e2e-cni\n  namespace: kube-system\n');
  await writeFile(join(dir, 'Scripts/install_k8s_cluster.conf'), '# e2e: no Internet in the test bed\nCNI_MANIFEST=Files/cni/cni.yaml\n');
  const script = await readFile(join(dir, 'Scripts/install_k8s_cluster.sh'));
  const meta = join(dir, 'TOSCA-Metadata/TOSCA.meta');
  await writeFile(meta, (await readFile(meta, 'utf8')).replace(/^Hash: .*$/m, `Hash: ${createHash('sha256').update(script).digest('hex')}`));
  return dir;
}
