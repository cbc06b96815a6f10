/** `npm run docs`: writes docs/params.md from the zod schemas (src/lib/params/docs.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { paramsMarkdown } from '../lib/params/docs.js';

const target = process.argv[2] ?? 'docs/params.md';
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, paramsMarkdown());
process.stdout.write(`wrote ${target}\n`);
