// runSteps with a fake host: skip when the check passes, apply + re-check otherwise, a step whose
// check still fails after apply is an error naming it, reports and callbacks, step context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentStep } from '../../src/lib/remote/context.js';
import { ExitCode } from '../../src/lib/errors.js';
import { RemoteCommandError, RemoteError } from '../../src/lib/remote/errors.js';
import { OperationLog } from '../../src/lib/remote/log.js';
import { StepFailedError, runSteps, type Step, type StepReport } from '../../src/lib/remote/steps.js';

class FakeHost {
  readonly target = 'ubuntu@192.0.2.10:22';
  readonly state = new Set<string>();
  readonly calls: string[] = [];
}

function flagStep(name: string, opts: { applies?: boolean; throws?: Error } = {}): Step<FakeHost> {
  return {
    name,
    async check(h) {
      h.calls.push(`check ${name}`);
      return h.state.has(name);
    },
    async apply(h) {
      h.calls.push(`apply ${name} (ctx=${currentStep() ?? '-'})`);
      if (opts.throws) throw opts.throws;
      if (opts.applies !== false) h.state.add(name);
    },
  };
}

test('runSteps: skips done steps, applies the others and re-checks them', async () => {
  const h = new FakeHost();
  h.state.add('b');
  const started: string[] = [];
  const ended: StepReport[] = [];
  const reports = await runSteps(h, [flagStep('a'), flagStep('b'), flagStep('c')], {
    onStepStart: (name, i, n) => started.push(`${i}/${n} ${name}`),
    onStep: (r) => ended.push(r),
  });
  assert.deepEqual(
    reports.map((r) => [r.name, r.status]),
    [
      ['a', 'done'],
      ['b', 'skipped'],
      ['c', 'done'],
    ],
  );
  for (const r of reports) assert.ok(Number.isFinite(r.ms) && r.ms >= 0);
  assert.deepEqual(started, ['1/3 a', '2/3 b', '3/3 c']);
  assert.deepEqual(ended, reports);
  assert.deepEqual(h.calls, ['check a', 'apply a (ctx=a)', 'check a', 'check b', 'check c', 'apply c (ctx=c)', 'check c']);
});

test('runSteps: a second run is all skipped (idempotent)', async () => {
  const h = new FakeHost();
  const steps = [flagStep('a'), flagStep('b')];
  await runSteps(h, steps);
  const again = await runSteps(h, steps);
  assert.deepEqual(
    again.map((r) => r.status),
    ['skipped', 'skipped'],
  );
});

test('runSteps: a check that still fails after apply fails the step by name and stops', async () => {
  const h = new FakeHost();
  const reports: StepReport[] = [];
  await assert.rejects(
    runSteps(h, [flagStep('a'), flagStep('broken', { applies: false }), flagStep('never')], { onStep: (r) => reports.push(r) }),
    (err: unknown) => {
      assert.ok(err instanceof StepFailedError);
      assert.ok(err instanceof RemoteError);
      assert.equal(err.exitCode, ExitCode.remote);
      assert.equal(err.step, 'broken');
      assert.match(err.message, /Step "broken" on ubuntu@192\.0\.2\.10:22: its check still fails after it was applied/);
      assert.deepEqual(
        err.reports.map((r) => [r.name, r.status]),
        [
          ['a', 'done'],
          ['broken', 'failed'],
        ],
      );
      return true;
    },
  );
  assert.deepEqual(
    reports.map((r) => r.status),
    ['done', 'failed'],
  );
  assert.ok(!h.calls.some((c) => c.includes('never')), 'steps after a failure must not run');
});

test('runSteps: apply throwing a RemoteCommandError keeps its message (exit code, stderr tail)', async () => {
  const h = new FakeHost();
  const cause = new RemoteCommandError({ target: h.target, step: 'install docker', code: 100, signal: null, stderrTail: 'E: Unable to locate package docker-ce' });
  await assert.rejects(runSteps(h, [flagStep('install docker', { throws: cause })]), (err: unknown) => {
    assert.ok(err instanceof StepFailedError);
    assert.equal(err.message, cause.message);
    assert.match(err.message, /exit code 100/);
    assert.match(err.message, /Unable to locate package/);
    assert.equal(err.cause, cause);
    return true;
  });
});

test('runSteps: a plain error in check is reported with the step and phase; the log gets it redacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'remote-steps-'));
  const log = OperationLog.open(join(dir, 'op.log'), { secrets: ['pw-123'] });
  const h = new FakeHost();
  const bad: Step<FakeHost> = {
    name: 'probe',
    check: async () => {
      throw new Error('boom pw-123');
    },
    apply: async () => undefined,
  };
  await assert.rejects(runSteps(h, [bad], { log }), (err: unknown) => {
    assert.ok(err instanceof StepFailedError);
    assert.match(err.message, /Step "probe" on ubuntu@192\.0\.2\.10:22 failed during check: boom \*{8}/);
    return true;
  });
  log.close();
  const text = readFileSync(join(dir, 'op.log'), 'utf8');
  assert.match(text, /step 1\/1 "probe": FAILED during check/);
  assert.ok(!text.includes('pw-123'));
  rmSync(dir, { recursive: true, force: true });
});

test('runSteps: no steps is fine', async () => {
  assert.deepEqual(await runSteps(new FakeHost(), []), []);
});

test('runSteps: a step failing on a dead SSH connection says why the connection died (not only ssh2\'s "No response from server")', async () => {
  type Host = { target: string; connectionLost: string | undefined };
  const host: Host = { target: 'ubuntu@192.0.2.7:22', connectionLost: 'the VM stopped answering (SSH keepalive timeout: unreachable or hung)' };
  const step: Step<Host> = {
    name: 'runtime-packages',
    check: async () => false,
    apply: async () => {
      throw new Error('No response from server');
    },
  };
  const err = (await runSteps(host, [step]).catch((e: unknown) => e)) as StepFailedError;
  assert.ok(err instanceof StepFailedError);
  assert.equal(
    err.message,
    'Step "runtime-packages" on ubuntu@192.0.2.7:22 failed during apply: No response from server (the connection is gone: the VM stopped answering (SSH keepalive timeout: unreachable or hung))',
  );
  const alive: Host = { target: 'ubuntu@192.0.2.8:22', connectionLost: undefined };
  const err2 = (await runSteps(alive, [step]).catch((e: unknown) => e)) as StepFailedError;
  assert.equal(err2.message, 'Step "runtime-packages" on ubuntu@192.0.2.8:22 failed during apply: No response from server');
});
