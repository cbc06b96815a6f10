/**
 * TOSCA.meta (SOL004 §4.3.2) and the optional ETSI manifest: parsing and artifact hash checks.
 *
 * TOSCA.meta is made of blank-line separated blocks of `Key: Value` lines. Block 1 holds
 * `TOSCA-Meta-File-Version`, `CSAR-Version`, `Created-by` and `Entry-Definitions` (plus optional
 * `ETSI-Entry-*` keys). Each further block describes one file: `Name` (or `Source`),
 * `Content-Type`, `Algorithm`, `Hash`. A block with an Algorithm or a Hash is verified: both must
 * be present, the algorithm one of SHA-224/256/384/512 (case-insensitive) and the file's digest
 * (computed streaming) equal to the hash.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { MetaArtifact, ToscaMeta } from './model.js';
import { describe, type Problems } from './problems.js';
import { resolveInPackage } from './paths.js';

export const TOSCA_META = 'TOSCA-Metadata/TOSCA.meta';

export interface MetaBlock {
  /** 1-based line number of the block's first line. */
  line: number;
  fields: Map<string, { key: string; value: string; line: number }>;
}

/** Splits `Key: Value` text into blocks; lines that are not `Key: Value` are reported. */
export function parseBlocks(text: string, file: string, problems: Problems): MetaBlock[] {
  const blocks: MetaBlock[] = [];
  let cur: MetaBlock | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.trimEnd();
    if (line.trim() === '') {
      cur = undefined;
      return;
    }
    if (line.trimStart().startsWith('#')) return;
    const m = /^\s*([A-Za-z0-9_.-]+)\s*:\s?(.*)$/.exec(line);
    if (!m) {
      problems.add(`${file}: line ${i + 1}`, 'a "Key: Value" line', JSON.stringify(line));
      return;
    }
    if (!cur) {
      cur = { line: i + 1, fields: new Map() };
      blocks.push(cur);
    }
    const key = m[1] ?? '';
    const value = unquote((m[2] ?? '').trim());
    const norm = key.toLowerCase();
    if (cur.fields.has(norm)) {
      problems.add(`${file}: line ${i + 1}`, `"${key}" once per block`, 'a repeated key');
      return;
    }
    cur.fields.set(norm, { key, value, line: i + 1 });
  });
  return blocks;
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}

/** Parses TOSCA.meta text into the model; problems are collected. */
export function parseToscaMeta(text: string, problems: Problems): ToscaMeta {
  const blocks = parseBlocks(text, TOSCA_META, problems);
  const first = blocks[0];
  const get = (k: string): string | undefined => first?.fields.get(k.toLowerCase())?.value;
  const required = (k: string): string => {
    const v = get(k);
    if (v === undefined || v === '') {
      problems.add(`${TOSCA_META}: ${k}`, 'a value in the first block', v === undefined ? 'nothing' : 'an empty value');
      return '';
    }
    return v;
  };
  const meta: ToscaMeta = {
    toscaMetaFileVersion: required('TOSCA-Meta-File-Version'),
    csarVersion: required('CSAR-Version'),
    createdBy: get('Created-by') ?? '',
    entryDefinitions: required('Entry-Definitions'),
    artifacts: blocks.slice(1).map((b) => blockArtifact(b, TOSCA_META, problems)),
  };
  const manifest = get('ETSI-Entry-Manifest');
  if (manifest) meta.entryManifest = manifest;
  return meta;
}

function blockArtifact(b: MetaBlock, file: string, problems: Problems): MetaArtifact {
  const name = b.fields.get('name')?.value ?? b.fields.get('source')?.value ?? '';
  if (name === '') {
    problems.add(`${file}: line ${b.line}`, 'a "Name:" or "Source:" line starting the block', 'none');
  }
  const a: MetaArtifact = { name };
  const ct = b.fields.get('content-type')?.value;
  const alg = b.fields.get('algorithm')?.value;
  const hash = b.fields.get('hash')?.value;
  if (ct !== undefined) a.contentType = ct;
  if (alg !== undefined) a.algorithm = alg;
  if (hash !== undefined) a.hash = hash;
  return a;
}

/** Parses an ETSI manifest (.mf): metadata block, then `Source`/`Algorithm`/`Hash` blocks. */
export function parseManifest(text: string, file: string, problems: Problems): MetaArtifact[] {
  return parseBlocks(text, file, problems)
    .filter((b) => b.fields.has('source'))
    .map((b) => blockArtifact(b, file, problems));
}

const ALGORITHMS: Record<string, { node: string; hexLength: number; tool: string }> = {
  'SHA-224': { node: 'sha224', hexLength: 56, tool: 'sha224sum' },
  'SHA-256': { node: 'sha256', hexLength: 64, tool: 'sha256sum' },
  'SHA-384': { node: 'sha384', hexLength: 96, tool: 'sha384sum' },
  'SHA-512': { node: 'sha512', hexLength: 128, tool: 'sha512sum' },
};

/** Streaming digest of a file (hex). */
export async function fileDigest(absPath: string, nodeAlgorithm: string): Promise<string> {
  const hash = createHash(nodeAlgorithm);
  await pipeline(createReadStream(absPath), hash);
  return hash.digest('hex');
}

/**
 * Verifies every artifact block that carries an Algorithm or a Hash. `where` names the file the
 * blocks come from (TOSCA.meta or the manifest).
 */
export async function verifyArtifacts(
  root: string,
  where: string,
  artifacts: MetaArtifact[],
  problems: Problems,
): Promise<void> {
  for (const a of artifacts) {
    if (a.algorithm === undefined && a.hash === undefined) continue;
    if (a.name === '') continue; // already reported
    const tag = `${where}: %s (${a.name})`;
    const p = (k: string): string => tag.replace('%s', k);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a.name)) continue; // remote artifact: not downloaded here
    if (!a.algorithm) {
      problems.add(p('Algorithm'), 'one of SHA-224, SHA-256, SHA-384, SHA-512 next to the Hash', 'nothing');
      continue;
    }
    const alg = ALGORITHMS[a.algorithm.toUpperCase()];
    if (!alg) {
      problems.add(p('Algorithm'), 'one of SHA-224, SHA-256, SHA-384, SHA-512', describe(a.algorithm));
      continue;
    }
    const hash = a.hash ?? '';
    if (hash === '') {
      problems.add(p('Hash'), `a hexadecimal ${a.algorithm.toUpperCase()} digest`, 'nothing');
      continue;
    }
    const file = await resolveInPackage(root, a.name);
    if (file.kind === 'outside') {
      problems.add(p('Name'), 'a file inside the package', `${describe(a.name)} (it resolves outside the package)`);
      continue;
    }
    if (file.kind !== 'file') {
      problems.add(p('Name'), 'a file in the package', `no such file: ${describe(a.name)}`);
      continue;
    }
    const hexOk = new RegExp(`^[0-9a-fA-F]{${alg.hexLength}}$`).test(hash);
    if (!hexOk) {
      const placeholder = /[<>]|calculated|value/i.test(hash);
      problems.add(
        p('Hash'),
        `a hexadecimal ${a.algorithm.toUpperCase()} digest (${alg.hexLength} hex digits)`,
        describe(hash),
        placeholder
          ? `this is a placeholder: put the output of "${alg.tool} ${a.name}" (run in the package root) here`
          : `recompute it with "${alg.tool} ${a.name}" in the package root`,
      );
      continue;
    }
    const actual = await fileDigest(file.abs, alg.node);
    if (actual.toLowerCase() !== hash.toLowerCase()) {
      problems.add(
        p('Hash'),
        `the ${a.algorithm.toUpperCase()} digest of the file, ${actual}`,
        describe(hash),
        `the file changed after the hash was written; recompute it with "${alg.tool} ${a.name}"`,
      );
    }
  }
}
