// bench/report.ts: each benchmark owns one section of bench/RESULTS.md; writing it replaces that
// section only, and the other benchmarks' figures stay as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, writeSection } from '../../bench/report.js';

function tempFile(): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  return { file: join(dir, 'RESULTS.md'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a missing file gets the header and the section', () => {
  const t = tempFile();
  try {
    writeSection('startup', '## Start-up\n\nfigures 1\n', t.file);
    const text = readFileSync(t.file, 'utf8');
    assert.match(text, /^# Benchmark results\n/);
    assert.ok(text.endsWith('<!-- begin startup -->\n## Start-up\n\nfigures 1\n<!-- end startup -->\n'), text);
  } finally {
    t.done();
  }
});

test('rewriting a section replaces it and keeps the others, in place', () => {
  const t = tempFile();
  try {
    writeFileSync(t.file, '# Benchmark results\n\nintro\n\n<!-- begin startup -->\nold start-up\n<!-- end startup -->\n\n<!-- begin cluster -->\ncluster figures\n<!-- end cluster -->\n');
    writeSection('startup', 'new start-up', t.file);
    writeSection('sftp', 'sftp figures', t.file);
    assert.equal(
      readFileSync(t.file, 'utf8'),
      '# Benchmark results\n\nintro\n\n<!-- begin startup -->\nnew start-up\n<!-- end startup -->\n\n<!-- begin cluster -->\ncluster figures\n<!-- end cluster -->\n\n<!-- begin sftp -->\nsftp figures\n<!-- end sftp -->\n',
    );
  } finally {
    t.done();
  }
});

test('the machine line names cores, load average, node and the date', () => {
  assert.match(machine(), /^\d+ cores \(.+\), load average [\d.]+ [\d.]+ [\d.]+, Linux .+, node v\d+\.\d+\.\d+, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
});
