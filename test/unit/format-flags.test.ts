/** The shared formatter flags and their translation into FormatOptions (environment, TTY, colour). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parser } from '@oclif/core';
import { listFormatFlags, showFormatFlags } from '../../src/cli/flags/format.js';
import { formatOptionsFromFlags } from '../../src/lib/format/options.js';
import { DEFAULT_OPTIONS } from '../helpers/format.js';

const tty = { isTTY: true, columns: 120 };
const pipe = { isTTY: false };

test('show flags: -f choices, repeatable -c that does not swallow positionals, defaults', async () => {
  const parsed = await Parser.parse(['-f', 'json', '-c', 'ID', '-c', 'Links', 'inst-1'], {
    flags: showFormatFlags,
    args: {},
    strict: false,
  });
  assert.equal(parsed.flags.format, 'json');
  assert.deepEqual(parsed.flags.column, ['ID', 'Links']);
  assert.deepEqual(parsed.argv, ['inst-1']);
  await assert.rejects(Parser.parse(['-f', 'csv'], { flags: showFormatFlags }), /one of: json, shell, table, value, yaml/);
  const defaults = await Parser.parse([], { flags: showFormatFlags });
  assert.equal(defaults.flags.format, 'table');
  assert.equal(defaults.flags.prefix, '');
});

test('list flags: csv, --quote, repeatable --sort-column, exclusive sort directions', async () => {
  const parsed = await Parser.parse(['-f', 'csv', '--quote', 'all', '--sort-column', 'ID', '--sort-column', 'Name', '--sort-descending'], {
    flags: listFormatFlags,
  });
  assert.equal(parsed.flags.format, 'csv');
  assert.equal(parsed.flags.quote, 'all');
  assert.deepEqual(parsed.flags['sort-column'], ['ID', 'Name']);
  assert.equal(parsed.flags['sort-descending'], true);
  await assert.rejects(Parser.parse(['--sort-ascending', '--sort-descending'], { flags: listFormatFlags }), /cannot also be provided/);
  await assert.rejects(Parser.parse(['-f', 'shell'], { flags: listFormatFlags }), /one of: csv, json, table, value, yaml/);
  assert.equal((await Parser.parse([], { flags: listFormatFlags })).flags.quote, 'nonnumeric');
});

test('formatOptionsFromFlags: defaults on a pipe', () => {
  assert.deepEqual(formatOptionsFromFlags({ format: 'table', prefix: '' }, 'show', pipe, {}), DEFAULT_OPTIONS);
});

test('formatOptionsFromFlags: list options, and show-only/list-only options ignored for the other kind', () => {
  const flags = {
    format: 'csv',
    column: ['ID'],
    quote: 'minimal',
    'sort-column': ['Name'],
    'sort-descending': true,
    'print-empty': true,
    noindent: true,
    prefix: 'x_',
  };
  const list = formatOptionsFromFlags(flags, 'list', pipe, {});
  assert.equal(list.format, 'csv');
  assert.deepEqual(list.columns, ['ID']);
  assert.equal(list.quote, 'minimal');
  assert.deepEqual(list.sortColumns, ['Name']);
  assert.equal(list.sortDescending, true);
  assert.equal(list.printEmpty, true);
  assert.equal(list.noindent, true);
  assert.equal(list.prefix, '');
  const show = formatOptionsFromFlags({ ...flags, format: 'shell' }, 'show', pipe, {});
  assert.equal(show.prefix, 'x_');
  assert.deepEqual(show.sortColumns, []);
  assert.equal(show.sortDescending, false);
});

test('max width: --max-width wins over CLIFF_MAX_TERM_WIDTH; 0 disables', () => {
  assert.equal(formatOptionsFromFlags({}, 'show', pipe, { CLIFF_MAX_TERM_WIDTH: '80' }).maxWidth, 80);
  assert.equal(formatOptionsFromFlags({ 'max-width': 60 }, 'show', pipe, { CLIFF_MAX_TERM_WIDTH: '80' }).maxWidth, 60);
  assert.equal(formatOptionsFromFlags({ 'max-width': 0 }, 'show', pipe, { CLIFF_MAX_TERM_WIDTH: '80' }).maxWidth, undefined);
  assert.equal(formatOptionsFromFlags({}, 'show', pipe, { CLIFF_MAX_TERM_WIDTH: 'wide' }).maxWidth, undefined);
});

test('fit width: --fit-width or CLIFF_FIT_WIDTH=1, only on a TTY, with the terminal width', () => {
  const onTty = formatOptionsFromFlags({ 'fit-width': true }, 'list', tty, {});
  assert.equal(onTty.fitWidth, true);
  assert.equal(onTty.terminalWidth, 120);
  assert.equal(formatOptionsFromFlags({}, 'list', tty, { CLIFF_FIT_WIDTH: '1' }).fitWidth, true);
  assert.equal(formatOptionsFromFlags({}, 'list', tty, { CLIFF_FIT_WIDTH: '0' }).fitWidth, false);
  assert.equal(formatOptionsFromFlags({ 'fit-width': true }, 'list', pipe, { CLIFF_FIT_WIDTH: '1' }).fitWidth, false);
});

test('colour: table on a TTY without NO_COLOR only', () => {
  assert.equal(formatOptionsFromFlags({ format: 'table' }, 'show', tty, {}).color, true);
  assert.equal(formatOptionsFromFlags({ format: 'table' }, 'show', tty, { NO_COLOR: '1' }).color, false);
  assert.equal(formatOptionsFromFlags({ format: 'table' }, 'show', tty, { NO_COLOR: '' }).color, true);
  assert.equal(formatOptionsFromFlags({ format: 'json' }, 'show', tty, {}).color, false);
  assert.equal(formatOptionsFromFlags({ format: 'table' }, 'show', pipe, {}).color, false);
});

test('a loosely typed flags record (as commands pass it) is read defensively', () => {
  const loose: Record<string, unknown> = { format: 42, column: 'ID', 'max-width': '80', noindent: 'yes' };
  const o = formatOptionsFromFlags(loose, 'show', pipe, {});
  assert.equal(o.format, 'table');
  assert.deepEqual(o.columns, ['ID']);
  assert.equal(o.maxWidth, undefined);
  assert.equal(o.noindent, false);
});
