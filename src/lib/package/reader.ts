/**
 * Reads a VNF package directory (an extracted SOL004 CSAR) into the model of ./model.ts.
 *
 *   TOSCA-Metadata/TOSCA.meta  → meta (block 1 + per-file blocks; hashes verified)
 *   Entry-Definitions + imports → VNF properties (top VNFD)
 *   Definitions with substitution_mappings.properties.flavour_id → flavours
 *   BaseHOT/<flavour>/          → flavour.baseHot
 *
 * Every problem found is collected and thrown at the end as one InputError (exit 3) whose
 * problems name the package-relative file and the key; problems that make further reading
 * meaningless (no TOSCA.meta, no Entry-Definitions, unparsable top VNFD) stop early.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readBaseHots } from './basehot.js';
import { extractCsar, type CsarLimits } from './csar.js';
import { TOSCA_META, parseManifest, parseToscaMeta, verifyArtifacts } from './meta.js';
import type { Flavour, PackageWarning, VnfPackage } from './model.js';
import { describe, packageError, Problems } from './problems.js';
import { listFiles, resolveInPackage } from './paths.js';
import { Types, buildFlavour, flavourIdOf, vnfProperties } from './vnfd.js';
import { YamlLoader } from './yamlfile.js';

export interface ReadOptions {
  /** How the package is named in error titles (e.g. the .zip the directory was extracted from). */
  label?: string;
}

export async function readPackage(root: string, options: ReadOptions = {}): Promise<VnfPackage> {
  const label = options.label ?? root;
  const problems = new Problems();
  const warnings: PackageWarning[] = [];

  const abs = resolve(root);
  let realRoot: string;
  try {
    realRoot = await realpath(abs);
    if (!(await stat(realRoot)).isDirectory()) {
      throw packageError(label, [{ path: root, expected: 'a VNF package directory or a CSAR (.zip)', found: 'a file' }]);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw packageError(label, [{ path: root, expected: 'a VNF package directory or a CSAR (.zip)', found: 'no such file or directory' }]);
  }

  const { files, outside } = await listFiles(realRoot);
  for (const l of outside) {
    problems.add(l, 'a file inside the package', 'a symbolic link that leads outside the package (or to nothing)');
  }

  // TOSCA.meta
  if (!files.includes(TOSCA_META)) {
    const nested = files.filter((f) => f.endsWith(`/${TOSCA_META}`) && f.split('/').length === 3);
    const dir = nested.length === 1 ? (nested[0] ?? '').split('/')[0] : undefined;
    problems.add(
      TOSCA_META,
      'the TOSCA.meta file of the package',
      'no such file',
      dir !== undefined
        ? `the package is inside the directory "${dir}/"; zip the content of that directory (TOSCA-Metadata/ at the top), not the directory itself`
        : 'a CSAR has TOSCA-Metadata/TOSCA.meta at its root, naming the top VNFD in "Entry-Definitions:"',
    );
    problems.throwIfAny(label);
  }
  const meta = parseToscaMeta(await readFile(resolve(realRoot, TOSCA_META), 'utf8'), problems);
  if (meta.entryDefinitions === '') problems.throwIfAny(label);
  const entryRes = await resolveInPackage(realRoot, meta.entryDefinitions);
  if (entryRes.kind !== 'file') {
    problems.add(
      `${TOSCA_META}: Entry-Definitions`,
      'the package-relative path of the top VNFD',
      `${describe(meta.entryDefinitions)} (${entryRes.kind === 'outside' ? 'it resolves outside the package' : entryRes.kind === 'dir' ? 'a directory' : 'no such file'})`,
    );
    problems.throwIfAny(label);
  }
  const entry = entryRes.rel;

  await verifyArtifacts(realRoot, TOSCA_META, meta.artifacts, problems);
  if (meta.entryManifest !== undefined) {
    const mf = await resolveInPackage(realRoot, meta.entryManifest);
    if (mf.kind !== 'file') {
      problems.add(`${TOSCA_META}: ETSI-Entry-Manifest`, 'the package-relative path of the manifest (.mf)', `${describe(meta.entryManifest)} (no such file in the package)`);
    } else {
      const arts = parseManifest(await readFile(mf.abs, 'utf8'), mf.rel, problems);
      await verifyArtifacts(realRoot, mf.rel, arts, problems);
    }
  }

  // Top VNFD
  const loader = new YamlLoader(realRoot, problems, warnings);
  const topClosure = await loader.closure(entry);
  const top = topClosure[0];
  if (!top || top.rel !== entry) {
    problems.throwIfAny(label);
    throw packageError(label, [{ path: entry, expected: 'a readable top VNFD', found: 'an unreadable file' }]);
  }
  const vnf = vnfProperties(top, new Types(topClosure), problems);

  // Flavours
  const defsDir = posix.dirname(entry);
  const inDefs = files.filter(
    (f) =>
      /\.ya?ml$/i.test(f) &&
      !f.startsWith('BaseHOT/') &&
      (defsDir === '.' ? !f.includes('/') : f.startsWith(`${defsDir}/`)),
  );
  const candidates = [...new Set([...topClosure.map((f) => f.rel), ...inDefs])];
  const flavours: Record<string, Flavour> = {};
  let unreadable = false;
  for (const rel of candidates) {
    const f = await loader.load(rel);
    if (!f) {
      unreadable = true;
      continue;
    }
    const fid = flavourIdOf(f);
    if (fid === undefined || fid === null) continue;
    const path = `${rel}: topology_template.substitution_mappings.properties.flavour_id`;
    if (typeof fid !== 'string' || fid === '') {
      problems.add(path, 'a flavour id (string)', describe(fid));
      continue;
    }
    const existing = flavours[fid];
    if (existing) {
      problems.add(path, `a flavour id not used by another file`, `${describe(fid)}, also declared in ${existing.file}`);
      continue;
    }
    const closure = await loader.closure(rel);
    flavours[fid] = await buildFlavour({ root: realRoot, problems, warnings }, f, new Types(closure), fid);
  }
  if (Object.keys(flavours).length === 0 && !unreadable) {
    problems.add(
      defsDir === '.' ? entry : `${defsDir}/`,
      'at least one Definitions file with topology_template.substitution_mappings.properties.flavour_id (a deployment flavour)',
      'none',
    );
  }

  // BaseHOT
  const hots = await readBaseHots(files, Object.keys(flavours), loader, problems, warnings);
  for (const [fid, hot] of Object.entries(hots)) {
    const fl = flavours[fid];
    if (fl) fl.baseHot = hot;
  }

  problems.throwIfAny(label);
  if (!vnf) throw packageError(label, [{ path: entry, expected: 'VNF properties', found: 'none' }]);
  const pkg: VnfPackage = { root: realRoot, meta, entryDefinitions: entry, vnf, flavours, files };
  if (warnings.length > 0) pkg.warnings = warnings;
  return pkg;
}

/**
 * Reads a package given as a directory, or as a CSAR (.zip) which is first extracted into
 * `extractTo` (that directory then becomes the package root). Errors name `source`.
 */
export async function openPackage(source: string, extractTo: string, limits?: CsarLimits): Promise<VnfPackage> {
  let isDir = false;
  try {
    isDir = (await stat(source)).isDirectory();
  } catch {
    throw packageError(source, [{ path: source, expected: 'a VNF package directory or a CSAR (.zip)', found: 'no such file or directory' }]);
  }
  if (isDir) return readPackage(source);
  await extractCsar(source, extractTo, limits);
  return readPackage(extractTo, { label: source });
}
