/**
 * readPackage(): the two sample packages read into the expected model, and broken packages
 * (built in temp dirs from copies of the samples) fail with exact problems.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InputError, type InputProblem } from '../../src/lib/errors.js';
import type { VnfPackage } from '../../src/lib/package/model.js';
import { openPackage, readPackage } from '../../src/lib/package/reader.js';
import { parseSize } from '../../src/lib/package/size.js';
import { instancesAtLevel } from '../../src/lib/package/vnfd.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REGISTRY = join(repo, 'samples', 'private-registry-vnf-package');
const K8S = join(repo, 'samples', 'kubernetes-cluster-vnf-package');

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'vnflcm-pkg-'));
  temps.push(d);
  return d;
}

/** A copy of a sample package in a fresh temp dir (returned path is the package root). */
async function copyOf(sample: string): Promise<string> {
  const root = join(await tempDir(), 'pkg');
  await cp(sample, root, { recursive: true });
  return root;
}

async function edit(file: string, fn: (s: string) => string): Promise<void> {
  const before = await readFile(file, 'utf8');
  const after = fn(before);
  assert.notEqual(after, before, `edit of ${file} changed nothing`);
  await writeFile(file, after);
}

/** Asserts that reading fails with exactly these problems (and the matching message). */
async function rejectsWith(p: Promise<unknown>, label: string, problems: InputProblem[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.exitCode, 3);
    assert.deepEqual(err.problems, problems);
    const lines = problems.map((q) => {
      const head = `  - ${q.path}: expected ${q.expected}, found ${q.found}`;
      return q.hint ? `${head} (hint: ${q.hint})` : head;
    });
    assert.equal(err.message, [`Invalid VNF package ${label}`, ...lines].join('\n'));
    return true;
  });
}

const REGISTRY_TAR_SHA256 = '7804d2cfbe4d54445921248b3fa3ba3b424e8c499ef66428ea77e1cda4be4c6e';
const GiB = 1024 ** 3;

describe('sample: private registry package', () => {
  let pkg: VnfPackage;
  it('reads', async () => {
    pkg = await readPackage(REGISTRY);
  });

  it('meta and VNF properties', () => {
    assert.equal(pkg.entryDefinitions, 'Definitions/sample_vnfd_top.yaml');
    assert.deepEqual(pkg.meta, {
      toscaMetaFileVersion: '1.0',
      csarVersion: '1.1',
      createdBy: 'vnflcm',
      entryDefinitions: 'Definitions/sample_vnfd_top.yaml',
      artifacts: [
        { name: 'Files/images/registry.tar', contentType: 'application/x-tar', algorithm: 'SHA-256', hash: REGISTRY_TAR_SHA256 },
      ],
    });
    assert.deepEqual(pkg.vnf, {
      descriptorId: 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f',
      descriptorVersion: '1.0',
      provider: 'Company',
      productName: 'Sample Private registry VNF',
      softwareVersion: '1.0',
      vnfmInfo: ['Tacker'],
    });
    assert.equal(pkg.warnings, undefined);
  });

  it('flavour simple: one VDU, one CP, two hooks, no BaseHOT', () => {
    assert.deepEqual(Object.keys(pkg.flavours), ['simple']);
    assert.deepEqual(pkg.flavours.simple, {
      id: 'simple',
      description: 'A simple flavour',
      file: 'Definitions/sample_vnfd_df_simple.yaml',
      vdus: {
        PrivateRegistryVDU: {
          id: 'PrivateRegistryVDU',
          name: 'PrivateRegistryVDU',
          description: 'Docker private registry server',
          minInstances: 1,
          maxInstances: 1,
          swImage: {
            name: 'ubuntu-20.04-server-cloudimg-amd64',
            version: '20.04',
            containerFormat: 'bare',
            diskFormat: 'qcow2',
            minDisk: 0,
            minRam: 0,
            size: 2 * GiB,
          },
          compute: { memSize: 2 * GiB, numCpus: 1, diskSize: 20 * GiB, flavorName: 'm1.small' },
          cps: ['CP1'],
        },
      },
      cps: { CP1: { id: 'CP1', vdu: 'PrivateRegistryVDU', order: 0, layerProtocols: ['ipv4'] } },
      virtualLinks: {},
      scalingAspects: {},
      initialDeltas: { PrivateRegistryVDU: 1 },
      aspectDeltas: {},
      instantiationLevels: {},
      lcmHooks: { instantiate_end: 'mgmt-drivers-private-registry', heal_end: 'mgmt-drivers-private-registry' },
      artifacts: { 'mgmt-drivers-private-registry': { type: 'tosca.artifacts.Implementation.Python' } },
    });
  });

  it('lists every file', () => {
    assert.deepEqual(pkg.files, [
      'Definitions/etsi_nfv_sol001_common_types.yaml',
      'Definitions/etsi_nfv_sol001_vnfd_types.yaml',
      'Definitions/sample_vnfd_df_simple.yaml',
      'Definitions/sample_vnfd_top.yaml',
      'Definitions/sample_vnfd_types.yaml',
      'Files/images/registry.tar',
      'README.md',
      'TOSCA-Metadata/TOSCA.meta',
    ]);
  });
});

describe('sample: kubernetes cluster package', () => {
  let pkg: VnfPackage;
  it('reads', async () => {
    pkg = await readPackage(K8S);
  });

  it('VNF properties and meta', () => {
    assert.equal(pkg.entryDefinitions, 'Definitions/sample_kubernetes_top.vnfd.yaml');
    assert.deepEqual(pkg.vnf, {
      descriptorId: 'b1db0ce7-ebca-1fb7-95ed-4840d70a1163',
      descriptorVersion: '1.0',
      provider: 'Company',
      productName: 'Sample VNF',
      softwareVersion: '1.0',
      vnfmInfo: ['Tacker'],
    });
    assert.deepEqual(pkg.meta.artifacts, [{ name: 'Scripts/install_k8s_cluster.sh', contentType: 'application/x-sh' }]);
    assert.equal(pkg.warnings, undefined);
    assert.ok(pkg.files.includes('Scripts/install_k8s_cluster.sh'));
  });

  const hooks = {
    instantiate_end: 'mgmt-drivers-kubernetes',
    terminate_end: 'mgmt-drivers-kubernetes',
    heal_start: 'mgmt-drivers-kubernetes',
    heal_end: 'mgmt-drivers-kubernetes',
    scale_start: 'mgmt-drivers-kubernetes',
    scale_end: 'mgmt-drivers-kubernetes',
  };
  const aspects = {
    master_instance: { id: 'master_instance', name: 'master_instance', description: 'master_instance scaling aspect', maxScaleLevel: 2, stepDeltas: ['delta_1'] },
    worker_instance: { id: 'worker_instance', name: 'worker_instance', description: 'worker_instance scaling aspect', maxScaleLevel: 2, stepDeltas: ['delta_1'] },
  };
  const levels = {
    instantiation_level_1: { id: 'instantiation_level_1', description: 'Smallest size', scaleInfo: { master_instance: 0, worker_instance: 0 } },
    instantiation_level_2: { id: 'instantiation_level_2', description: 'Largest size', scaleInfo: { master_instance: 2, worker_instance: 2 } },
  };

  for (const [fid, masters] of [
    ['simple', { initial: 1, min: 1, max: 3 }],
    ['complex', { initial: 3, min: 3, max: 5 }],
  ] as const) {
    it(`flavour ${fid}`, () => {
      const f = pkg.flavours[fid];
      assert.ok(f);
      assert.equal(f.file, `Definitions/sample_kubernetes_df_${fid}.yaml`);
      assert.deepEqual(Object.keys(f.vdus), ['masterNode', 'workerNode']);
      const m = f.vdus.masterNode;
      const w = f.vdus.workerNode;
      assert.ok(m && w);
      assert.deepEqual([m.minInstances, m.maxInstances, w.minInstances, w.maxInstances], [masters.min, masters.max, 2, 4]);
      for (const v of [m, w]) {
        assert.equal(v.swImage?.name, 'ubuntu-20.04-server-cloudimg-amd64');
        assert.equal(v.swImage?.file, undefined);
        assert.deepEqual(v.compute, { memSize: 4 * GiB, numCpus: 2, diskSize: 40 * GiB, flavorName: 'm1.medium' });
      }
      assert.deepEqual(m.cps, ['masterNode_CP1']);
      assert.deepEqual(w.cps, ['workerNode_CP2']);
      assert.deepEqual(f.cps, {
        masterNode_CP1: { id: 'masterNode_CP1', vdu: 'masterNode', order: 0, layerProtocols: ['ipv4'] },
        workerNode_CP2: { id: 'workerNode_CP2', vdu: 'workerNode', order: 0, layerProtocols: ['ipv4'] },
      });
      assert.deepEqual(f.scalingAspects, aspects);
      assert.deepEqual(f.initialDeltas, { masterNode: masters.initial, workerNode: 2 });
      assert.deepEqual(f.aspectDeltas, { master_instance: { masterNode: 1 }, worker_instance: { workerNode: 1 } });
      assert.deepEqual(f.instantiationLevels, levels);
      assert.equal(f.defaultInstantiationLevelId, 'instantiation_level_1');
      assert.deepEqual(f.lcmHooks, hooks);
      assert.deepEqual(f.artifacts, { 'mgmt-drivers-kubernetes': { type: 'tosca.artifacts.Implementation.Python' } });
      assert.deepEqual(f.baseHot, {
        top: `BaseHOT/${fid}/${fid}_hot_top.yaml`,
        nested: {
          [`${fid}_nested_master.yaml`]: `BaseHOT/${fid}/nested/${fid}_nested_master.yaml`,
          [`${fid}_nested_worker.yaml`]: `BaseHOT/${fid}/nested/${fid}_nested_worker.yaml`,
        },
      });
      assert.equal(instancesAtLevel(f, 'masterNode', f.instantiationLevels.instantiation_level_2), masters.initial + 2);
      assert.equal(instancesAtLevel(f, 'workerNode', f.instantiationLevels.instantiation_level_1), 2);
    });
  }
});

describe('broken packages', () => {
  it('missing TOSCA.meta', async () => {
    const root = await copyOf(REGISTRY);
    await unlink(join(root, 'TOSCA-Metadata', 'TOSCA.meta'));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta',
        expected: 'the TOSCA.meta file of the package',
        found: 'no such file',
        hint: 'a CSAR has TOSCA-Metadata/TOSCA.meta at its root, naming the top VNFD in "Entry-Definitions:"',
      },
    ]);
  });

  it('the package path does not exist', async () => {
    const root = join(await tempDir(), 'nope');
    await rejectsWith(readPackage(root), root, [
      { path: root, expected: 'a VNF package directory or a CSAR (.zip)', found: 'no such file or directory' },
    ]);
  });

  it('no Entry-Definitions key', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => s.replace(/^Entry-Definitions:.*\n/m, ''));
    await rejectsWith(readPackage(root), root, [
      { path: 'TOSCA-Metadata/TOSCA.meta: Entry-Definitions', expected: 'a value in the first block', found: 'nothing' },
    ]);
  });

  it('Entry-Definitions names a missing file', async () => {
    const root = await copyOf(REGISTRY);
    await unlink(join(root, 'Definitions', 'sample_vnfd_top.yaml'));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta: Entry-Definitions',
        expected: 'the package-relative path of the top VNFD',
        found: '"Definitions/sample_vnfd_top.yaml" (no such file)',
      },
    ]);
  });

  it('YAML syntax error: file, line and column', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) =>
      s.replace('        flavour_description: A simple flavour', '        flavour_description: A simple: flavour: x'),
    );
    await rejectsWith(readPackage(root), root, [
      {
        path: 'Definitions/sample_vnfd_df_simple.yaml',
        expected: 'valid YAML',
        found: 'Nested mappings are not allowed in compact mappings at line 42, column 30',
      },
    ]);
  });

  it('duplicate YAML keys', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_top.yaml'), (s) => s.replace('        provider: Company\n', '        provider: Company\n        provider: Other\n'));
    await rejectsWith(readPackage(root), root, [
      { path: 'Definitions/sample_vnfd_top.yaml', expected: 'valid YAML', found: 'Map keys must be unique at line 24, column 9' },
    ]);
  });

  it('an import that escapes the package root', async () => {
    const root = await copyOf(REGISTRY);
    await writeFile(join(dirname(root), 'outside.yaml'), 'tosca_definitions_version: tosca_simple_yaml_1_2\n');
    await edit(join(root, 'Definitions', 'sample_vnfd_top.yaml'), (s) =>
      s.replace('  - sample_vnfd_df_simple.yaml\n', '  - sample_vnfd_df_simple.yaml\n  - ../../outside.yaml\n'),
    );
    await rejectsWith(readPackage(root), root, [
      {
        path: 'Definitions/sample_vnfd_top.yaml: imports[4]',
        expected: 'a file inside the package',
        found: '"../../outside.yaml" (it resolves outside the package root)',
      },
    ]);
  });

  it('an import through a symbolic link that leads outside', async () => {
    const root = await copyOf(REGISTRY);
    await writeFile(join(dirname(root), 'outside.yaml'), 'tosca_definitions_version: tosca_simple_yaml_1_2\n');
    await symlink(join(dirname(root), 'outside.yaml'), join(root, 'Definitions', 'link.yaml'));
    await edit(join(root, 'Definitions', 'sample_vnfd_top.yaml'), (s) =>
      s.replace('  - sample_vnfd_df_simple.yaml\n', '  - sample_vnfd_df_simple.yaml\n  - link.yaml\n'),
    );
    await rejectsWith(readPackage(root), root, [
      {
        path: 'Definitions/link.yaml',
        expected: 'a file inside the package',
        found: 'a symbolic link that leads outside the package (or to nothing)',
      },
      {
        path: 'Definitions/sample_vnfd_top.yaml: imports[4]',
        expected: 'a file inside the package',
        found: '"link.yaml" (it resolves outside the package root)',
      },
    ]);
  });

  it('a missing import; import cycles are fine', async () => {
    const root = await copyOf(REGISTRY);
    // types imports the top (a cycle) and a missing file
    await edit(join(root, 'Definitions', 'sample_vnfd_types.yaml'), (s) =>
      s.replace('  - etsi_nfv_sol001_vnfd_types.yaml\n', '  - etsi_nfv_sol001_vnfd_types.yaml\n  - sample_vnfd_top.yaml\n  - nested/missing.yaml\n'),
    );
    await rejectsWith(readPackage(root), root, [
      {
        path: 'Definitions/sample_vnfd_types.yaml: imports[3]',
        expected: "an existing file (relative to this file's directory)",
        found: 'no such file: "Definitions/nested/missing.yaml"',
      },
    ]);
  });

  it('hash mismatch', async () => {
    const root = await copyOf(REGISTRY);
    const wrong = 'f'.repeat(64);
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => s.replace(REGISTRY_TAR_SHA256, wrong));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta: Hash (Files/images/registry.tar)',
        expected: `the SHA-256 digest of the file, ${REGISTRY_TAR_SHA256}`,
        found: `"${wrong}"`,
        hint: 'the file changed after the hash was written; recompute it with "sha256sum Files/images/registry.tar"',
      },
    ]);
  });

  it('hashes: case-insensitive algorithm and hex, all SHA-2 sizes', async () => {
    const root = await copyOf(REGISTRY);
    const { createHash } = await import('node:crypto');
    const data = await readFile(join(root, 'Files', 'images', 'registry.tar'));
    const blocks = (['sha224', 'sha384', 'sha512'] as const)
      .map((a) => `Name: Files/images/registry.tar\nAlgorithm: ${a.replace('sha', 'sha-')}\nHash: ${createHash(a).update(data).digest('hex').toUpperCase()}\n`)
      .join('\n');
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => `${s}\n${blocks}`);
    const pkg = await readPackage(root);
    assert.deepEqual(
      pkg.meta.artifacts.map((a) => a.algorithm),
      ['SHA-256', 'sha-224', 'sha-384', 'sha-512'],
    );
  });

  it('unsupported algorithm', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => s.replace('Algorithm: SHA-256', 'Algorithm: MD5'));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta: Algorithm (Files/images/registry.tar)',
        expected: 'one of SHA-224, SHA-256, SHA-384, SHA-512',
        found: '"MD5"',
      },
    ]);
  });

  it('placeholder hash', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => s.replace(REGISTRY_TAR_SHA256, '<Calculated value here>'));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta: Hash (Files/images/registry.tar)',
        expected: 'a hexadecimal SHA-256 digest (64 hex digits)',
        found: '"<Calculated value here>"',
        hint: 'this is a placeholder: put the output of "sha256sum Files/images/registry.tar" (run in the package root) here',
      },
    ]);
  });

  it('hash of a missing file, and a block without Name', async () => {
    const root = await copyOf(REGISTRY);
    await unlink(join(root, 'Files', 'images', 'registry.tar'));
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => `${s}\nContent-Type: text/plain\n`);
    await rejectsWith(readPackage(root), root, [
      { path: 'TOSCA-Metadata/TOSCA.meta: line 11', expected: 'a "Name:" or "Source:" line starting the block', found: 'none' },
      {
        path: 'TOSCA-Metadata/TOSCA.meta: Name (Files/images/registry.tar)',
        expected: 'a file in the package',
        found: 'no such file: "Files/images/registry.tar"',
      },
    ]);
  });

  it('ETSI manifest hashes are verified too', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) =>
      s.replace('Entry-Definitions:', 'ETSI-Entry-Manifest: manifest.mf\nEntry-Definitions:'),
    );
    await writeFile(
      join(root, 'manifest.mf'),
      'metadata:\nvnf_provider_id: Company\n\nSource: Definitions/sample_vnfd_top.yaml\nAlgorithm: SHA-256\nHash: 0000\n',
    );
    await rejectsWith(readPackage(root), root, [
      {
        path: 'manifest.mf: Hash (Definitions/sample_vnfd_top.yaml)',
        expected: 'a hexadecimal SHA-256 digest (64 hex digits)',
        found: '"0000"',
        hint: 'recompute it with "sha256sum Definitions/sample_vnfd_top.yaml" in the package root',
      },
    ]);
  });

  it('flavour without VDUs', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) => s.slice(0, s.indexOf('    PrivateRegistryVDU:')));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'Definitions/sample_vnfd_df_simple.yaml: topology_template.node_templates',
        expected: 'at least one node of type tosca.nodes.nfv.Vdu.Compute in flavour "simple"',
        found: 'none among VNF',
      },
    ]);
  });

  it('VDU with unparsable sizes and bad counts', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) =>
      s
        .replace('          size: 2 GB', '          size: 2 GBs')
        .replace('              virtual_mem_size: 2 GB', '              virtual_mem_size: lots')
        .replace('          max_number_of_instances: 1', '          max_number_of_instances: one'),
    );
    const vdu = 'Definitions/sample_vnfd_df_simple.yaml: topology_template.node_templates.PrivateRegistryVDU';
    const sizeExpected = 'a size with a unit like "2 GB", "512 MiB" or "0 GB"';
    const hint = 'units: B, kB, KiB, MB, MiB, GB, GiB, TB, TiB';
    await rejectsWith(readPackage(root), root, [
      { path: `${vdu}.properties.vdu_profile.max_number_of_instances`, expected: 'an integer ≥ 1', found: '"one"' },
      { path: `${vdu}.properties.sw_image_data.size`, expected: sizeExpected, found: '"2 GBs"', hint },
      { path: `${vdu}.capabilities.virtual_compute.properties.virtual_memory.virtual_mem_size`, expected: sizeExpected, found: '"lots"', hint },
    ]);
  });

  it('CP bound to an unknown VDU, hook naming an undeclared artifact', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) =>
      s
        .replace('        - virtual_binding: PrivateRegistryVDU', '        - virtual_binding: NoSuchVDU')
        .replace('          heal_end:\n            implementation: mgmt-drivers-private-registry', '          heal_end:\n            implementation: other-driver'),
    );
    const df = 'Definitions/sample_vnfd_df_simple.yaml: topology_template.node_templates';
    await rejectsWith(readPackage(root), root, [
      {
        path: `${df}.CP1.requirements[0].virtual_binding`,
        expected: 'the name of a tosca.nodes.nfv.Vdu.Compute node of this flavour (PrivateRegistryVDU)',
        found: '"NoSuchVDU"',
      },
      {
        path: `${df}.VNF.interfaces.Vnflcm.heal_end.implementation`,
        expected: 'the name of an artifact of this VNF node (mgmt-drivers-private-registry)',
        found: '"other-driver"',
      },
    ]);
  });

  it('an image artifact: resolved relative to the Definitions file; missing file is a problem', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) =>
      s.replace(
        '      capabilities:\n        virtual_compute:',
        '      artifacts:\n        sw_image:\n          type: tosca.artifacts.nfv.SwImage\n          file: ../Files/images/ubuntu.img\n      capabilities:\n        virtual_compute:',
      ),
    );
    const path = 'Definitions/sample_vnfd_df_simple.yaml: topology_template.node_templates.PrivateRegistryVDU.artifacts.sw_image.file';
    await rejectsWith(readPackage(root), root, [
      { path, expected: "an existing file (relative to the Definitions file's directory)", found: 'no such file: "Files/images/ubuntu.img"' },
    ]);
    await writeFile(join(root, 'Files', 'images', 'ubuntu.img'), 'not really an image');
    const pkg = await readPackage(root);
    assert.equal(pkg.flavours.simple?.vdus.PrivateRegistryVDU?.swImage?.file, 'Files/images/ubuntu.img');
  });

  it('policies: unknown aspect, level above max_scale_level, unknown default level, VDU bounds', async () => {
    const root = await copyOf(K8S);
    await edit(join(root, 'Definitions', 'sample_kubernetes_df_simple.yaml'), (s) =>
      s
        .replace('          aspect: worker_instance', '          aspect: workers')
        .replace('                master_instance:\n                  scale_level: 2', '                master_instance:\n                  scale_level: 3')
        .replace('          default_level: instantiation_level_1', '          default_level: instantiation_level_9')
        .replace('          max_number_of_instances: 3', '          max_number_of_instances: 2'),
    );
    const df = 'Definitions/sample_kubernetes_df_simple.yaml: topology_template';
    await rejectsWith(readPackage(root), root, [
      {
        path: `${df}.policies[4].workerNode_scaling_aspect_deltas.properties.aspect`,
        expected: 'an aspect of the ScalingAspects policy (master_instance, worker_instance)',
        found: '"workers"',
      },
      {
        path: `${df}.policies[5].instantiation_levels.properties.levels.instantiation_level_2.scale_info.master_instance.scale_level`,
        expected: 'a level ≤ max_scale_level of aspect master_instance (2)',
        found: '3',
      },
      {
        path: `${df}.policies[5].instantiation_levels.properties.default_level`,
        expected: 'one of the levels (instantiation_level_1, instantiation_level_2)',
        found: '"instantiation_level_9"',
      },
      {
        path: `${df}.node_templates.masterNode.properties.vdu_profile.max_number_of_instances`,
        expected: 'at least 3 (initial 1 + 1 × max_scale_level 2 of aspect master_instance)',
        found: '2',
      },
    ]);
  });

  it('two top templates in BaseHOT/<flavour>/ and a nested type that is missing', async () => {
    const root = await copyOf(K8S);
    await writeFile(join(root, 'BaseHOT', 'simple', 'extra.yaml'), 'heat_template_version: 2013-05-23\n');
    await unlink(join(root, 'BaseHOT', 'complex', 'nested', 'complex_nested_worker.yaml'));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'BaseHOT/complex/complex_hot_top.yaml: resources.worker_instance.properties.resource.type',
        expected: 'a template in BaseHOT/complex/nested/ (complex_nested_master.yaml)',
        found: '"complex_nested_worker.yaml"',
      },
      {
        path: 'BaseHOT/simple/',
        expected: 'exactly one top-level HOT template (.yaml) directly in the directory',
        found: '2: BaseHOT/simple/extra.yaml, BaseHOT/simple/simple_hot_top.yaml',
      },
    ]);
  });

  it('a BaseHOT directory for an unknown flavour is a warning', async () => {
    const root = await copyOf(K8S);
    await mkdir(join(root, 'BaseHOT', 'podaffinity'));
    await writeFile(join(root, 'BaseHOT', 'podaffinity', 'podaffinity_hot_top.yaml'), 'heat_template_version: 2013-05-23\n');
    const pkg = await readPackage(root);
    assert.deepEqual(pkg.warnings, [
      { path: 'BaseHOT/podaffinity/', message: 'no flavour "podaffinity" in the VNFD; this BaseHOT is not used' },
    ]);
  });

  it('two files declaring the same flavour', async () => {
    const root = await copyOf(REGISTRY);
    await cp(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), join(root, 'Definitions', 'sample_vnfd_df_copy.yaml'));
    await rejectsWith(readPackage(root), root, [
      {
        path: 'Definitions/sample_vnfd_df_copy.yaml: topology_template.substitution_mappings.properties.flavour_id',
        expected: 'a flavour id not used by another file',
        found: '"simple", also declared in Definitions/sample_vnfd_df_simple.yaml',
      },
    ]);
  });

  it('collects problems of several files in one read', async () => {
    const root = await copyOf(K8S);
    await edit(join(root, 'TOSCA-Metadata', 'TOSCA.meta'), (s) => `${s}Algorithm: SHA-256\nHash: <Calculated value here>\n`);
    await edit(join(root, 'Definitions', 'sample_kubernetes_df_complex.yaml'), (s) => s.replaceAll('          min_disk: 0 GB', '          min_disk: zero'));
    await assert.rejects(readPackage(root), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(
        err.problems.map((p) => p.path),
        [
          'TOSCA-Metadata/TOSCA.meta: Hash (Scripts/install_k8s_cluster.sh)',
          'Definitions/sample_kubernetes_df_complex.yaml: topology_template.node_templates.masterNode.properties.sw_image_data.min_disk',
          'Definitions/sample_kubernetes_df_complex.yaml: topology_template.node_templates.workerNode.properties.sw_image_data.min_disk',
        ],
      );
      return true;
    });
  });
});

describe('VNFD details', () => {
  it('VNF properties from the node type defaults when the top VNF node uses get_input', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_top.yaml'), (s) =>
      s
        .replace('        descriptor_id: c1bb0ce7-ebca-4fa7-95ed-4840d70a118f', '        descriptor_id: { get_input: descriptor_id }')
        .replace("        software_version: '1.0'\n", ''),
    );
    const pkg = await readPackage(root);
    assert.equal(pkg.vnf.descriptorId, 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f');
    assert.equal(pkg.vnf.softwareVersion, '1.0');
  });

  it('unquoted version numbers keep their text (1.0 stays "1.0")', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_top.yaml'), (s) =>
      s.replace("        software_version: '1.0'", '        software_version: 1.10'),
    );
    const pkg = await readPackage(root);
    assert.equal(pkg.vnf.softwareVersion, '1.10');
  });

  it('implementation as {primary}, a VnfVirtualLink and CP order', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) =>
      s
        .replace(
          '          heal_end:\n            implementation: mgmt-drivers-private-registry',
          '          heal_end:\n            implementation:\n              primary: mgmt-drivers-private-registry\n              dependencies: []',
        )
        .concat(
          [
            '',
            '    CP0:',
            '      type: tosca.nodes.nfv.VduCp',
            '      properties:',
            '        layer_protocols: [ ipv4 ]',
            '      requirements:',
            '        - virtual_binding: { node: PrivateRegistryVDU }',
            '        - virtual_link: internalVL',
            '',
            '    internalVL:',
            '      type: tosca.nodes.nfv.VnfVirtualLink',
            '      properties:',
            '        connectivity_type:',
            '          layer_protocols: [ ipv4 ]',
            '        vl_profile:',
            '          virtual_link_protocol_data:',
            '            - layer_protocol: ipv4',
            '              l3_protocol_data:',
            '                ip_version: ipv4',
            '                cidr: 10.10.0.0/24',
            '',
          ].join('\n'),
        )
        .replace('        order: 0\n', '        order: 1\n'),
    );
    const pkg = await readPackage(root);
    const f = pkg.flavours.simple;
    assert.ok(f);
    assert.equal(f.lcmHooks.heal_end, 'mgmt-drivers-private-registry');
    assert.deepEqual(f.virtualLinks, { internalVL: { id: 'internalVL', layerProtocols: ['ipv4'], cidr: '10.10.0.0/24' } });
    assert.deepEqual(f.cps.CP0, { id: 'CP0', vdu: 'PrivateRegistryVDU', order: 0, layerProtocols: ['ipv4'], virtualLink: 'internalVL' });
    assert.deepEqual(f.vdus.PrivateRegistryVDU?.cps, ['CP0', 'CP1']);
  });

  it('a VNF artifact file that is missing is a warning (drivers are built in)', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_df_simple.yaml'), (s) =>
      s.replace(
        '          type: tosca.artifacts.Implementation.Python\n',
        '          type: tosca.artifacts.Implementation.Python\n          file: ../Scripts/private_registry_mgmt.py\n',
      ),
    );
    const pkg = await readPackage(root);
    assert.deepEqual(pkg.flavours.simple?.artifacts, { 'mgmt-drivers-private-registry': { type: 'tosca.artifacts.Implementation.Python' } });
    assert.deepEqual(pkg.warnings, [
      {
        path: 'Definitions/sample_vnfd_df_simple.yaml: topology_template.node_templates.VNF.artifacts.mgmt-drivers-private-registry.file',
        message: 'Scripts/private_registry_mgmt.py is not in the package (not needed: vnflcm has this driver built in)',
      },
    ]);
  });

  it('imports by URL are not fetched (warning)', async () => {
    const root = await copyOf(REGISTRY);
    await edit(join(root, 'Definitions', 'sample_vnfd_types.yaml'), (s) =>
      s.replace('  - etsi_nfv_sol001_vnfd_types.yaml\n', '  - etsi_nfv_sol001_vnfd_types.yaml\n  - https://forge.etsi.org/rep/nfv/SOL001/raw/v2.6.1/etsi_nfv_sol001_vnfd_types.yaml\n'),
    );
    const pkg = await readPackage(root);
    assert.deepEqual(pkg.warnings, [
      {
        path: 'Definitions/sample_vnfd_types.yaml: imports[2]',
        message: 'import https://forge.etsi.org/rep/nfv/SOL001/raw/v2.6.1/etsi_nfv_sol001_vnfd_types.yaml is not fetched (only files inside the package are read)',
      },
    ]);
  });

  it('openPackage reads a directory as it is', async () => {
    const pkg = await openPackage(REGISTRY, join(await tempDir(), 'unused'));
    assert.equal(pkg.vnf.descriptorId, 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f');
  });
});

describe('parseSize', () => {
  it('reads TOSCA sizes (decimal prefixes as binary, like Tacker)', () => {
    assert.equal(parseSize('2 GB'), 2 * GiB);
    assert.equal(parseSize('4 GiB'), 4 * GiB);
    assert.equal(parseSize('512 MB'), 512 * 1024 ** 2);
    assert.equal(parseSize('512MiB'), 512 * 1024 ** 2);
    assert.equal(parseSize('0 GB'), 0);
    assert.equal(parseSize('0.5 gb'), GiB / 2);
    assert.equal(parseSize('100 B'), 100);
    assert.equal(parseSize('1 TiB'), 1024 ** 4);
  });
  it('refuses what is not a size', () => {
    for (const v of ['2', '2 GBs', 'lots', '', '-1 GB', 'GB', 2, null, undefined]) assert.equal(parseSize(v), undefined, String(v));
  });
});
