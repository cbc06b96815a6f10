/**
 * BaseHOT (Tacker's UserData convention): `BaseHOT/<flavourId>/` holds exactly one top HOT
 * template and `BaseHOT/<flavourId>/nested/*.yaml` the templates it uses as resource types (keyed
 * by file name, as Heat's `files` map wants them).
 */
import type { BaseHot, PackageWarning } from './model.js';
import { At, isRecord, type Problems } from './problems.js';
import type { YamlLoader } from './yamlfile.js';

const YAML_FILE = /\.ya?ml$/i;

export async function readBaseHots(
  files: string[],
  flavourIds: string[],
  loader: YamlLoader,
  problems: Problems,
  warnings: PackageWarning[],
): Promise<Record<string, BaseHot>> {
  const out: Record<string, BaseHot> = {};
  const dirs = new Set<string>();
  for (const f of files) {
    const m = /^BaseHOT\/([^/]+)\//.exec(f);
    if (m?.[1]) dirs.add(m[1]);
  }
  for (const dir of [...dirs].sort()) {
    if (!flavourIds.includes(dir)) {
      warnings.push({ path: `BaseHOT/${dir}/`, message: `no flavour "${dir}" in the VNFD; this BaseHOT is not used` });
      continue;
    }
    const prefix = `BaseHOT/${dir}/`;
    const tops = files.filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/') && YAML_FILE.test(f));
    const nestedFiles = files.filter(
      (f) => f.startsWith(`${prefix}nested/`) && !f.slice(prefix.length + 7).includes('/') && YAML_FILE.test(f),
    );
    if (tops.length !== 1) {
      problems.add(
        prefix,
        'exactly one top-level HOT template (.yaml) directly in the directory',
        tops.length === 0 ? 'none' : `${tops.length}: ${tops.join(', ')}`,
      );
      continue;
    }
    const top = tops[0] as string;
    const nested: Record<string, string> = {};
    for (const f of nestedFiles) nested[f.slice(prefix.length + 7)] = f;
    const ok = await checkTemplate(top, nested, `${prefix}nested/`, loader, problems);
    let allOk = ok;
    for (const f of nestedFiles) allOk = (await checkTemplate(f, nested, `${prefix}nested/`, loader, problems)) && allOk;
    if (allOk) out[dir] = { top, nested };
  }
  return out;
}

/** Parses a HOT template and checks that file-based resource types exist among the nested ones. */
async function checkTemplate(
  rel: string,
  nested: Record<string, string>,
  nestedDir: string,
  loader: YamlLoader,
  problems: Problems,
): Promise<boolean> {
  const before = problems.list.length;
  const f = await loader.load(rel, false);
  if (!f) return false;
  const doc = new At(problems, rel, '', f.data);
  if (!doc.map()) return false;
  if (!doc.key('heat_template_version').present) doc.key('heat_template_version').fail('a HOT version such as 2013-05-23');
  for (const [, res] of doc.key('resources').entries()) {
    const types: At[] = [res.key('type')];
    const props = res.key('properties');
    if (isRecord(props.value)) {
      types.push(props.dig('resource', 'type'), props.dig('resource_def', 'type'));
    }
    for (const t of types) {
      if (typeof t.value !== 'string' || !YAML_FILE.test(t.value)) continue;
      if (!(t.value in nested)) {
        t.fail(`a template in ${nestedDir} (${Object.keys(nested).join(', ') || 'none'})`);
      }
    }
  }
  return problems.list.length === before;
}
