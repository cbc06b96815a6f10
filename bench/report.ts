/**
 * bench/RESULTS.md: every benchmark writes its own section (between `<!-- begin NAME -->` and
 * `<!-- end NAME -->`), replacing its previous figures and keeping the other benchmarks' ones.
 * Each section says the machine it ran on and when; `machine()` gives that line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

const HEADER = `# Benchmark results

Written by the benchmarks themselves (\`npm run bench\` for the quick ones; see README.md beside
this file for the others, which need root and the test environment). Each figure comes with the
command that reproduces it, its baseline and the ratio, and each section with the machine and the
date it was measured on. Timings are never asserted in the test suite.
`;

/** "2 cores (model), load average 0.52 0.61 0.70, Linux 6.1, node v20.20.2, 2026-12-03 09:30 UTC" */
export function machine(): string {
  const c = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const date = new Date().toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
  return `${c.length} cores (${c[0]?.model.trim() ?? 'unknown CPU'}), load average ${load}, Linux ${release()}, node ${process.version}, ${date}`;
}

/** Replaces (or appends) the section `name` of bench/RESULTS.md with `body`. */
export function writeSection(name: string, body: string, file = RESULTS): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = HEADER;
  }
  const begin = `<!-- begin ${name} -->`;
  const end = `<!-- end ${name} -->`;
  const block = `${begin}\n${body.trimEnd()}\n${end}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
