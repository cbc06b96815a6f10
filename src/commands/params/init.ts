import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/command.js';
import { CliError, ExitCode } from '../../lib/errors.js';

export default class ParamsInit extends BaseCommand {
  static override summary = 'Write an instantiate param file by answering questions (a terminal is needed)';
  static override description =
    "Offers the package's flavours, CPs and files as choices, asks for networks, credentials and registries, " +
    'checks the result as `vnflcm validate` does and writes it owner-only (it holds passwords). ' +
    'Scripts start from samples/*.json instead.';
  static override examples = ['<%= config.bin %> params init b1db0ce7-ebca-1fb7-95ed-4840d70a1163 -o k8s_params.json'];
  static override args = { 'vnfd-id': Args.string({ required: true, description: 'VNFD ID of an onboarded package' }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'File to write', required: true }),
    force: Flags.boolean({ description: 'Overwrite an existing file', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ParamsInit);
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new CliError("'vnflcm params init' asks questions and needs a terminal; in scripts start from samples/*.json and check it with 'vnflcm validate'.", ExitCode.usage);
    }
    const { existsSync } = await import('node:fs');
    if (existsSync(flags.output) && !flags.force) throw new CliError(`${flags.output} exists; use --force to overwrite it.`);
    const { Store } = await import('../../lib/store/index.js');
    const { loadPackage } = await import('../../lib/lcm/packages.js');
    const { paramWizard } = await import('../../lib/params/wizard.js');
    const { validateInstantiateRequest, invalidParamFileTitle } = await import('../../lib/params/validate.js');
    const { InputError } = await import('../../lib/errors.js');
    const prompts = await import('@inquirer/prompts');
    const { model } = await loadPackage(await Store.open(), args['vnfd-id']);
    const body = await paramWizard(model, {
      select: (message, choices, def) => prompts.select({ message, choices, default: def }),
      input: (message, o) => prompts.input({ message, default: o?.default, validate: o?.validate }),
      password: (message) => prompts.password({ message, mask: '*' }),
      confirm: (message, def) => prompts.confirm({ message, default: def }),
    });
    const v = validateInstantiateRequest(body, model);
    if (v.problems.length) throw new InputError(invalidParamFileTitle(flags.output, v.problems.length), v.problems);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(flags.output, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    this.say(`${flags.output} written (mode 0600: it holds passwords). Next: vnflcm instantiate <instance id> ${flags.output}`);
  }
}
