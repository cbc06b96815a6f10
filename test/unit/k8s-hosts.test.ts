// The Kubernetes driver's managed /etc/hosts block: rendering and in-place replacement.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostsBlockMarkers, normalizeHostsLine, renderHostsBlock, replaceHostsBlock } from '../../src/lib/mgmt/kubernetes/hosts.js';

const ID = 'inst-1';
const BASE = '127.0.0.1 localhost\n127.0.1.1 vm vm\n\n::1 ip6-localhost ip6-loopback\n';

describe('renderHostsBlock', () => {
  it('puts markers around the lines, drops blanks and duplicates, normalises spacing', () => {
    assert.deepEqual(renderHostsBlock(ID, ['10.0.0.1 master-a', '10.0.0.2\tworker-b', '', '10.0.0.1   master-a', '10.0.0.20 registry.example.com # reg']), [
      '# BEGIN vnflcm inst-1',
      '10.0.0.1 master-a',
      '10.0.0.2 worker-b',
      '10.0.0.20 registry.example.com',
      '# END vnflcm inst-1',
    ]);
  });

  it('normalizeHostsLine strips comments and blanks', () => {
    assert.equal(normalizeHostsLine('  10.0.0.1 \t a   b  # c'), '10.0.0.1 a b');
    assert.equal(normalizeHostsLine('# only a comment'), '');
  });
});

describe('replaceHostsBlock', () => {
  const block = renderHostsBlock(ID, ['10.0.0.1 master-a', '10.0.0.11 worker-b']);

  it('appends the block when there is none, keeping every other line', () => {
    const out = replaceHostsBlock(BASE, ID, block);
    assert.equal(out, `${BASE}${block.join('\n')}\n`);
  });

  it('is idempotent: applying the same block again changes nothing', () => {
    const once = replaceHostsBlock(BASE, ID, block);
    assert.equal(replaceHostsBlock(once, ID, block), once);
  });

  it('replaces the old block in place (lines after it stay after it)', () => {
    const old = `${BASE}${renderHostsBlock(ID, ['10.0.0.1 master-a']).join('\n')}\n10.9.9.9 user-line\n`;
    const out = replaceHostsBlock(old, ID, block);
    assert.equal(out, `${BASE}${block.join('\n')}\n10.9.9.9 user-line\n`);
  });

  it('removes exactly the lines of a node that is gone (10.0.0.1 does not take 10.0.0.11 or 10.0.0.100 with it)', () => {
    const three = renderHostsBlock(ID, ['10.0.0.1 worker-x', '10.0.0.11 worker-y', '10.0.0.100 worker-z']);
    const file = replaceHostsBlock(`${BASE}10.0.0.1 someone-elses-alias\n`, ID, three);
    const out = replaceHostsBlock(file, ID, renderHostsBlock(ID, ['10.0.0.11 worker-y', '10.0.0.100 worker-z']));
    assert.ok(out.includes('10.0.0.11 worker-y') && out.includes('10.0.0.100 worker-z'));
    assert.ok(!out.includes('worker-x'));
    assert.ok(out.includes('10.0.0.1 someone-elses-alias'), 'a line outside the block is never touched');
  });

  it('collapses duplicated blocks (a hand-copied file) into one', () => {
    const b = renderHostsBlock(ID, ['10.0.0.1 master-a']).join('\n');
    const out = replaceHostsBlock(`${b}\n${BASE}${b}\n`, ID, block);
    assert.equal(out.split('\n').filter((l) => l === hostsBlockMarkers(ID).begin).length, 1);
    assert.equal(out, `${block.join('\n')}\n${BASE}`);
  });

  it('an unterminated block loses its marker and only the lines the new block brings again', () => {
    const broken = `${BASE}# BEGIN vnflcm inst-1\n10.0.0.1 master-a\n10.5.5.5 foreign\n`;
    const out = replaceHostsBlock(broken, ID, block);
    assert.equal(out, `${BASE}${block.join('\n')}\n10.5.5.5 foreign\n`);
  });

  it('drops a stray END marker', () => {
    const out = replaceHostsBlock(`${BASE}# END vnflcm inst-1\n`, ID, block);
    assert.equal(out, `${BASE}${block.join('\n')}\n`);
  });

  it('leaves the blocks of other instances alone', () => {
    const other = renderHostsBlock('inst-2', ['10.1.0.1 master-z']).join('\n');
    const out = replaceHostsBlock(`${BASE}${other}\n`, ID, block);
    assert.ok(out.includes(other));
    assert.equal(replaceHostsBlock(out, ID, []), `${BASE}${other}\n`, 'an empty block removes only this instance\'s block');
  });

  it('works on an empty or missing file and without a final newline', () => {
    assert.equal(replaceHostsBlock('', ID, block), `${block.join('\n')}\n`);
    assert.equal(replaceHostsBlock('127.0.0.1 localhost', ID, block), `127.0.0.1 localhost\n${block.join('\n')}\n`);
    assert.equal(replaceHostsBlock('', ID, []), '');
  });
});
