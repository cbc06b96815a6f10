/** docs/params.md is generated from the zod schemas and must be current (`npm run docs` rewrites it). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { paramsMarkdown } from '../../src/lib/params/docs.js';
import { ROOT } from '../helpers/cli.js';

describe('docs/params.md', () => {
  test('is what `npm run docs` generates from the schemas today', () => {
    const checkedIn = readFileSync(join(ROOT, 'docs', 'params.md'), 'utf8');
    assert.equal(checkedIn, paramsMarkdown(), 'docs/params.md is stale: run `npm run docs` and commit it');
  });

  test('has one table per object with the guide\'s columns, required/optional and defaults from the schema', () => {
    const md = paramsMarkdown();
    const table = (path: string): string[] => {
      const start = md.indexOf(`### \`${path}\`\n`);
      assert.notEqual(start, -1, `no table for ${path}`);
      const body = md.slice(start).split('\n\n')[1] ?? '';
      return body.split('\n');
    };
    const reg = table('InstantiateVnfRequest.additionalParams.private_registry_installation_param');
    assert.equal(reg[0], '| parameter | data type | description | required/optional | default |');
    assert.deepEqual(reg.slice(2).map((r) => r.split(' | ')[0]?.slice(2)), ['ssh_cp_name', 'ssh_username', 'ssh_password', 'image_path', 'port_no', 'proxy']);
    assert.match(reg.find((r) => r.startsWith('| ssh_cp_name |')) ?? '', /\| string \| .+ \| required \| {2}\|$/);
    assert.match(reg.find((r) => r.startsWith('| port_no |')) ?? '', /\| optional \| `5000` \|$/);
    const master = table('InstantiateVnfRequest.additionalParams.k8s_cluster_installation_param.master_node');
    assert.match(master.find((r) => r.startsWith('| pod_cidr |')) ?? '', /\| optional \| `"192\.168\.0\.0\/16"` \|$/);
    const conn = table('InstantiateVnfRequest.additionalParams.k8s_cluster_installation_param.private_registry_connection_info[]');
    assert.match(conn.find((r) => r.startsWith('| connection_type |')) ?? '', /^\| connection_type \| string \| Type of connection: "0" HTTP, "1" HTTPS\. \| required \|/);
    table('HealVnfRequest.additionalParams');
    table('ScaleVnfRequest.additionalParams');
  });
});
