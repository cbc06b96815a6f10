/**
 * docs/params.md, generated from the zod schemas (z.toJSONSchema) so the documentation of the param
 * files cannot drift from the parser: one table per object, like the user guide's tables
 * (parameter, data type, description, required/optional, default). `npm run docs` writes it; a unit
 * test regenerates and compares.
 */
import { z } from 'zod';
import {
  healVnfRequestFileSchema,
  instantiateVnfRequestSchema,
  registryHealVnfRequestFileSchema,
  scaleVnfRequestFileSchema,
} from './schema.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
}

function toJson(schema: z.ZodType): JsonSchema {
  // `input`: what a person writes (defaults make a key optional); refinements are checks, not types.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function isObject(s: JsonSchema): boolean {
  return s.type === 'object' && s.properties !== undefined && Object.keys(s.properties).length > 0;
}

function typeName(s: JsonSchema): string {
  if (s.anyOf) return [...new Set(s.anyOf.map(typeName))].join(' or ');
  const t = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (t.length === 0) return s.const !== undefined ? typeof s.const : 'any';
  return t
    .map((x) => {
      if (x === 'object') return 'dict';
      if (x === 'array') return `list of ${s.items ? typeName(s.items) : 'any'}`;
      if (x === 'number') return 'number';
      return x;
    })
    .join(' or ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const first = t[0]?.toUpperCase() ?? '';
  return `${first}${t.slice(1)}${/[.!?)]$/.test(t) ? '' : '.'}`;
}

function description(s: JsonSchema): string {
  const parts = [s.description ? sentence(s.description) : ''];
  const choices = s.enum ?? (s.const !== undefined ? [s.const] : undefined);
  if (choices && !/one of|:.*"/i.test(s.description ?? '')) parts.push(`One of ${choices.map((c) => `\`${String(c)}\``).join(', ')}.`);
  return parts.filter((p) => p !== '').join(' ');
}

/** One table for the object at `path`, then the tables of the objects it holds (depth first, in key order). */
function tables(path: string, s: JsonSchema, out: string[]): void {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  out.push(`### \`${path}\``, '', '| parameter | data type | description | required/optional | default |', '|---|---|---|---|---|');
  for (const [name, p] of Object.entries(props)) {
    const def = p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``;
    out.push(`| ${name} | ${cell(typeName(p))} | ${cell(description(p))} | ${required.has(name) ? 'required' : 'optional'} | ${def} |`);
  }
  if (s.additionalProperties !== false && typeof s.additionalProperties === 'object') {
    out.push('', 'Other keys are accepted and passed on unchanged (see the description of the object).');
  }
  out.push('');
  for (const [name, p] of Object.entries(props)) {
    if (isObject(p)) tables(`${path}.${name}`, p, out);
    else if (p.type === 'array' && p.items && isObject(p.items)) tables(`${path}.${name}[]`, p.items, out);
  }
}

/** The whole of docs/params.md. */
export function paramsMarkdown(): string {
  const out: string[] = [
    '# Param files',
    '',
    '<!-- Generated from src/lib/params/schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every table below is one JSON object of a param file. `vnflcm validate FILE --vnfd-id ID` checks a file',
    'against these tables and against the VNF package (flavours, CP names, files inside the package).',
    '',
    '## Instantiate param file',
    '',
    '`vnflcm instantiate ID FILE` and `vnflcm create VNFD_ID --I FILE`. The Docker private registry VNF reads',
    '`additionalParams.private_registry_installation_param` (`samples/private_registry_param_file.json`), the',
    'Kubernetes cluster VNF `additionalParams.k8s_cluster_installation_param`',
    '(`samples/private_registry_kubernetes_param_file.json`).',
    '',
  ];
  tables('InstantiateVnfRequest', toJson(instantiateVnfRequestSchema), out);
  out.push(
    '## heal --additional-param-file',
    '',
    'Merged at the top level of the HealVnfRequest (its keys override `--cause` and `--vnfc-instance`).',
    'The Kubernetes driver reads the keys below; the Docker private registry driver only `additionalParams.all`',
    '(any other key is reported as unknown for a registry instance).',
    '',
  );
  tables('HealVnfRequest', toJson(healVnfRequestFileSchema), out);
  out.push('For a Docker private registry instance:', '');
  tables('HealVnfRequest (private registry)', toJson(registryHealVnfRequestFileSchema), out);
  out.push(
    '## scale --additional-param-file',
    '',
    'Merged at the top level of the ScaleVnfRequest (its keys override `--type`, `--aspect-id` and',
    '`--number-of-steps`). Only the Kubernetes driver scales; the Docker private registry driver takes no keys.',
    '',
  );
  tables('ScaleVnfRequest', toJson(scaleVnfRequestFileSchema), out);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
