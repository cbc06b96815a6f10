/**
 * The Docker private registry VNF end to end, as an operator runs it: `vnflcm create` +
 * `instantiate` with the sample package and param file on the real OpenStack of test/env; Nova's
 * servers become VM stand-ins with real sshd, the driver installs Docker and runs a real registry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { cloudEnv, ensureEnv, readJsonFile, type EnvFacts } from '../helpers/env.js';
import { REGISTRY_PKG, REGISTRY_VNFD, SAMPLES } from '../helpers/packages.js';

interface Vnfc {
  id: string;
  computeResource: { resourceId: string };
}

async function answersV2(endpoint: string): Promise<number> {
  const r = await fetch(`http://${endpoint}/v2/`, { signal: AbortSignal.timeout(5000) });
  return r.status;
}

describe('private registry VNF through the CLI', { timeout: 40 * 60_000 }, () => {
  let facts: EnvFacts;
  let env: NodeJS.ProcessEnv;
  const home = tempHome();
  const work = mkdtempSync(join(tmpdir(), 'vnflcm-reg-'));
  const created: string[] = [];

  const cli = (args: string[]): Promise<CliResult> => runCli(args, { home, env, timeoutMs: 900_000 });
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await cli(args);
    assert.equal(r.code, 0, `vnflcm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r;
  };
  const create = async (): Promise<string> => {
    const id = (await ok(['create', REGISTRY_VNFD, '-f', 'value', '-c', 'ID'])).stdout.trim();
    created.push(id);
    return id;
  };
  const params = (name: string, edit: (p: Record<string, unknown>) => void = () => undefined): string => {
    const p = readJsonFile<Record<string, unknown>>(join(SAMPLES, 'private_registry_param_file.json'));
    for (const vl of p.extVirtualLinks as Array<Record<string, unknown>>) vl.resourceId = facts.network_id;
    edit(p);
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(p, null, 2));
    return file;
  };
  const installParam = (p: Record<string, unknown>) =>
    (p.additionalParams as Record<string, Record<string, unknown>>).private_registry_installation_param as Record<string, unknown>;
  const endpointOf = async (id: string): Promise<string> => {
    const m = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'metadata'])).stdout) as { metadata: { private_registry: { endpoint: string } } };
    return m.metadata.private_registry.endpoint;
  };
  const vnfcOf = async (id: string): Promise<Vnfc> => {
    const info = JSON.parse((await ok(['show', id, '-f', 'json', '-c', 'Instantiated Vnf Info'])).stdout) as {
      'Instantiated Vnf Info': { vnfcResourceInfo: Vnfc[] };
    };
    return info['Instantiated Vnf Info'].vnfcResourceInfo[0] as Vnfc;
  };

  before(async () => {
    facts = ensureEnv();
    env = cloudEnv(facts);
    await ok(['package', 'add', REGISTRY_PKG]);
  });

  after(async () => {
    for (const id of created) await cli(['terminate', id, '--D', '-q']);
  });

  test('instantiate with image_path and a non-default port; heal a VNFC; heal entire', async () => {
    const id = await create();
    const file = params('reg-image.json', (p) => {
      installParam(p).image_path = 'Files/images/registry.tar';
      installParam(p).port_no = 5443;
    });
    const r = await ok(['instantiate', id, file]);
    assert.match(r.stdout, /has been accepted\.\n.*completed in/s);
    assert.match(r.stderr, /run private_registry|private_registry container/i, 'progress names the steps');
    const endpoint = await endpointOf(id);
    assert.match(endpoint, /^10\.250\.0\.\d+:5443$/);
    assert.equal(await answersV2(endpoint), 200);
    const shown = (await ok(['show', id])).stdout;
    assert.ok(!shown.includes('"ssh_password": "ubuntu"'), 'the password is masked in show');
    assert.ok(shown.includes('"ssh_password": "********"'));

    // A VNFC heal rebuilds the server behind the same port: new host key, accepted because the VNFC was replaced.
    const before = await vnfcOf(id);
    await ok(['heal', id, '--vnfc-instance', before.id]);
    const healed = await vnfcOf(id);
    assert.equal(healed.id, before.id);
    assert.notEqual(healed.computeResource.resourceId, before.computeResource.resourceId);
    assert.equal(await endpointOf(id), endpoint, 'same IP and port after a VNFC heal');
    assert.equal(await answersV2(endpoint), 200);

    await ok(['heal', id]);
    const endpoint2 = await endpointOf(id);
    assert.equal(await answersV2(endpoint2), 200);
    const ops = JSON.parse((await ok(['op', 'list', '-f', 'json'])).stdout) as Array<Record<string, string>>;
    assert.deepEqual(
      ops.filter((o) => o['VNF Instance ID'] === id).map((o) => o['Operation State']),
      ['COMPLETED', 'COMPLETED', 'COMPLETED'],
    );
  });

  test('instantiate without image_path, with a proxy; a second instantiate_end run changes nothing', async () => {
    const id = await create();
    const file = params('reg-pull.json', (p) => {
      installParam(p).proxy = { http_proxy: 'http://proxy.example.test:3128', https_proxy: 'http://proxy.example.test:3128', no_proxy: '10.250.0.0/24' };
    });
    await ok(['instantiate', id, file]);
    const endpoint = await endpointOf(id);
    assert.match(endpoint, /:5000$/);
    assert.equal(await answersV2(endpoint), 200);
  });

  test('a wrong SSH password ends FAILED_TEMP naming the host and user (exit 5); after op fail a new instantiate completes', async () => {
    const id = await create();
    const file = params('reg-badpw.json', (p) => {
      installParam(p).ssh_password = 'not-the-password';
    });
    const r = await cli(['instantiate', id, file, '-q']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /failed \(operation [0-9a-f-]+ is FAILED_TEMP\): .*ubuntu@10\.250\.0\.\d+/s);
    assert.ok(!r.stderr.includes('not-the-password'), 'the password is never printed');

    // The FAILED_TEMP occurrence blocks a new instantiate; retrying it with the stored request would
    // fail the same way, so the operator gives it up and instantiates again: the stack is reused.
    const opId = /operation ([0-9a-f-]{36})/.exec(r.stderr)?.[1] ?? '';
    const blocked = await cli(['instantiate', id, params('reg-retry.json')]);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /in status ERROR\. Cannot instantiate while the vnf is in this state\./);
    await ok(['op', 'fail', opId]);
    const again = await ok(['instantiate', id, params('reg-retry.json')]);
    assert.match(again.stderr, /= create stack vnf-[0-9a-f-]+ \(exists, CREATE_COMPLETE\)/);
    assert.equal(await answersV2(await endpointOf(id)), 200);
  });
});
