/** `vnflcm params init`: write an instantiate param file, by answering questions or from flags alone. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CliError } from '../../lib/errors.js';
import { authFlags } from '../../cli/flags/openstack.js';
import { wizardFlags } from '../../cli/flags/wizard.js';
import { message, type MessageResult } from '../../cli/results.js';

export default class ParamsInit extends BaseCommand {
  static override summary = 'Write an instantiate param file, by answering questions or from flags alone';
  static override description =
    "At a terminal: offers the package's flavours, CPs and files, the cloud's networks (when credentials resolve) and this " +
    "CLI's registry VNFs (vnf:<id>) as choices; checks every answer as `vnflcm validate` does and asks again with the reason; " +
    'shows the file with passwords masked before writing it owner-only (0600). ' +
    'Every question has a flag: flags given are not asked. With --no-interactive (implied when stdin is not a terminal) the ' +
    'file is built from flags and defaults alone, and every missing value is listed at once (exit 2). ' +
    'Passwords given as flags are visible in ps: prefer --ssh-password-file / --master-password-file / --worker-password-file / ' +
    '--registry-password-file, or VNFLCM_SSH_PASSWORD, VNFLCM_MASTER_PASSWORD, VNFLCM_WORKER_PASSWORD, VNFLCM_REGISTRY_PASSWORD.';
  static override examples = [
    '<%= config.bin %> params init b1db0ce7-ebca-1fb7-95ed-4840d70a1163 -o k8s_params.json',
    'VNFLCM_SSH_PASSWORD=... <%= config.bin %> params init c1bb0ce7-ebca-4fa7-95ed-4840d70a118f -o reg.json --no-interactive --network net0 --ssh-cp-name CP1',
  ];
  static override args = { 'vnfd-id': Args.string({ required: true, description: 'VNFD ID of an onboarded package' }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'File to write', required: true }),
    force: Flags.boolean({ description: 'Overwrite an existing file', default: false }),
    interactive: Flags.boolean({ description: 'Ask at the terminal for values not given as flags (--no-interactive: flags and defaults only)', default: true, allowNo: true }),
    ...wizardFlags,
    ...authFlags,
  };

  async run(): Promise<MessageResult> {
    const { args, flags } = await this.parse(ParamsInit);
    const interactive = flags.interactive && !!process.stdin.isTTY && !!process.stdout.isTTY;
    const { existsSync } = await import('node:fs');
    if (existsSync(flags.output) && !flags.force) throw new CliError(`${flags.output} exists; use --force to overwrite it.`);
    const { Store } = await import('../../lib/store/index.js');
    const { loadPackage } = await import('../../lib/lcm/packages.js');
    const { paramWizard } = await import('../../lib/params/wizard.js');
    const { collectFlagValues } = await import('../../lib/params/wizard/flags.js');
    const store = await Store.open();
    const { model } = await loadPackage(store, args['vnfd-id']);
    const values = collectFlagValues(flags, Object.keys(wizardFlags));
    let body: Record<string, unknown>;
    if (interactive) {
      const prompts = await import('@inquirer/prompts');
      const { cloudNetworks, registryVnfChoices } = await import('../../lib/params/wizard/sources.js');
      const note = (line: string): void => this.say(line);
      try {
        body = await paramWizard(model, {
          flags: values,
          output: flags.output,
          sources: { networks: cloudNetworks(store, flags, note), registryVnfs: () => registryVnfChoices(store) },
          prompter: {
            select: (message, choices, def) => prompts.select({ message, choices, default: def, pageSize: 12 }),
            input: (message, o) => prompts.input({ message, default: o.default, validate: o.validate }),
            password: (message, o) => prompts.password({ message, mask: '*', validate: o.validate }),
            confirm: (message, def) => prompts.confirm({ message, default: def }),
            note,
          },
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'ExitPromptError') throw new CliError('Cancelled; nothing was written.');
        throw err;
      }
    } else {
      body = await paramWizard(model, { flags: values });
    }
    const { writeFile, chmod } = await import('node:fs/promises');
    await writeFile(flags.output, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    await chmod(flags.output, 0o600);
    return message(`${flags.output} written (mode 0600: it holds passwords). Next: vnflcm instantiate <instance id> ${flags.output}`);
  }
}
