/** `vnflcm vim register`: register an OpenStack cloud (from clouds.yaml) as a VIM. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { showFormatFlags } from '../../cli/flags/format.js';
import type { ShowResult } from '../../cli/results.js';

export default class VimRegister extends BaseCommand {
  static override summary = 'Register an OpenStack cloud (from clouds.yaml) as a VIM';
  static override description =
    "Gives the cloud a vimId to use in an instantiate request's vimConnectionInfo. With --default it is used when " +
    'a request names no VIM and no --os-cloud/OS_CLOUD is given.';
  static override examples = ['<%= config.bin %> vim register openstack-admin --os-cloud mycloud --default'];
  static override args = { name: Args.string({ required: true, description: 'VIM name' }) };
  static override flags = {
    ...showFormatFlags,
    'os-cloud': Flags.string({ description: 'Cloud name in clouds.yaml', required: true }),
    default: Flags.boolean({ description: 'Make this the default VIM', default: false }),
  };

  async run(): Promise<ShowResult> {
    const { args, flags } = await this.parse(VimRegister);
    const { Store } = await import('../../lib/store/index.js');
    const { registerVim } = await import('../../lib/lcm/vim.js');
    const { vimShow } = await import('../../lib/views/vim.js');
    const { resolveCloudConfig } = await import('../../lib/openstack/config.js');
    resolveCloudConfig({ cloud: flags['os-cloud'] }); // the cloud must exist in clouds.yaml
    const rec = await registerVim(await Store.open(), args.name, flags['os-cloud'], flags.default);
    return vimShow(rec);
  }
}
