/** cliff's formatter options as oclif flags, defined once for every command (their values: src/lib/format/options.ts). */
import { Flags } from '@oclif/core';

const OUTPUT = 'OUTPUT FORMATTERS';
const TABLE = 'TABLE FORMATTER';
const JSON_GROUP = 'JSON FORMATTER';

const column = Flags.string({
  char: 'c',
  multiple: true,
  multipleNonGreedy: true,
  helpValue: 'COLUMN',
  helpGroup: OUTPUT,
  summary: 'specify the column(s) to include, can be repeated to show multiple columns',
});

const noindent = Flags.boolean({
  helpGroup: JSON_GROUP,
  summary: 'whether to disable indenting the JSON',
});

const maxWidth = Flags.integer({
  helpValue: '<integer>',
  helpGroup: TABLE,
  summary:
    'Maximum display width, <1 to disable. You can also use the CLIFF_MAX_TERM_WIDTH environment variable, ' +
    'but the parameter takes precedence.',
});

const fitWidth = Flags.boolean({
  helpGroup: TABLE,
  summary:
    'Fit the table to the display width. Implied if --max-width greater than 0. ' +
    'Set the environment variable CLIFF_FIT_WIDTH=1 to always enable',
});

const printEmpty = Flags.boolean({
  helpGroup: TABLE,
  summary: 'Print empty table if there is no data to show.',
});

/** Flags of show-type commands (`create`, `show`, `op show`): cliff ShowOne's formatter options. */
export const showFormatFlags = {
  format: Flags.string({
    char: 'f',
    options: ['json', 'shell', 'table', 'value', 'yaml'],
    default: 'table',
    helpValue: '{json,shell,table,value,yaml}',
    helpGroup: OUTPUT,
    summary: 'the output format',
  }),
  column,
  noindent,
  prefix: Flags.string({
    default: '',
    helpValue: 'PREFIX',
    helpGroup: 'SHELL FORMATTER',
    summary: 'add a prefix to all variable names',
  }),
  'max-width': maxWidth,
  'fit-width': fitWidth,
  'print-empty': printEmpty,
};

/** Flags of list commands (`list`, `op list`): cliff Lister's formatter and sort options. */
export const listFormatFlags = {
  format: Flags.string({
    char: 'f',
    options: ['csv', 'json', 'table', 'value', 'yaml'],
    default: 'table',
    helpValue: '{csv,json,table,value,yaml}',
    helpGroup: OUTPUT,
    summary: 'the output format',
  }),
  column,
  quote: Flags.string({
    options: ['all', 'minimal', 'none', 'nonnumeric'],
    default: 'nonnumeric',
    helpValue: '{all,minimal,none,nonnumeric}',
    helpGroup: 'CSV FORMATTER',
    summary: 'when to include quotes',
  }),
  noindent,
  'max-width': maxWidth,
  'fit-width': fitWidth,
  'print-empty': printEmpty,
  'sort-column': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    helpValue: 'SORT_COLUMN',
    helpGroup: OUTPUT,
    summary:
      'specify the column(s) to sort the data (columns specified first have a priority, non-existing columns ' +
      'are ignored), can be repeated',
  }),
  'sort-ascending': Flags.boolean({
    exclusive: ['sort-descending'],
    helpGroup: OUTPUT,
    summary: 'sort the column(s) in ascending order',
  }),
  'sort-descending': Flags.boolean({
    exclusive: ['sort-ascending'],
    helpGroup: OUTPUT,
    summary: 'sort the column(s) in descending order',
  }),
};
