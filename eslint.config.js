import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers, enforced (README "Design"): commands -> cli -> lib; lib never imports the CLI
 * (src/cli, src/commands, @oclif/core); the lower lib layers (openstack, remote, store, package,
 * format) never import the lifecycle layers (lcm, mgmt); the management drivers (mgmt) never import
 * lcm: they see it only through their contract (src/lib/mgmt/contract.ts), and lcm finds them in the
 * driver table (src/lib/mgmt/drivers.ts). Checked for static imports and re-exports
 * (no-restricted-imports) and for dynamic `import()` of a string literal (no-restricted-syntax).
 */
const zone = (regex, message) => ({ regex, message });
const LIB_ZONES = [
  zone('^@oclif/', 'src/lib does not know the CLI framework: oclif definitions live in src/cli.'),
  zone('(^|/)(cli|commands)/', 'src/lib never imports src/cli or src/commands: return data or report through the sink you are given.'),
];
const LOWER_ZONES = [
  ...LIB_ZONES,
  zone('(^|/)(lcm|mgmt)/', 'openstack, remote, store, package and format are below lcm and mgmt: they never import them.'),
];
const MGMT_ZONES = [
  ...LIB_ZONES,
  zone('(^|/)lcm/', 'the management drivers see lcm only through their contract (src/lib/mgmt/contract.ts): what they need comes in the HookContext or from a module below both.'),
];
const restrict = (zones) => ({
  'no-restricted-imports': ['error', { patterns: zones.map((z) => ({ regex: z.regex, message: z.message })) }],
  'no-restricted-syntax': [
    'error',
    ...zones.map((z) => ({ selector: `ImportExpression[source.value=/${z.regex.replace(/\//g, '\\/')}/]`, message: z.message })),
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/env/**', 'samples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  { files: ['src/lib/**/*.ts'], rules: restrict(LIB_ZONES) },
  { files: ['src/lib/{openstack,remote,store,package,format}/**/*.ts'], rules: restrict(LOWER_ZONES) },
  { files: ['src/lib/mgmt/**/*.ts'], rules: restrict(MGMT_ZONES) },
  {
    // bin/ is CommonJS (bin/package.json): a CommonJS entry starts without Node's ES module loader.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
