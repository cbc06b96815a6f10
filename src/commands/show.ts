/** `vnflcm show`: display VNF instance details. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { showFormatFlags } from '../cli/flags/format.js';
import type { ShowResult } from '../cli/results.js';

export default class Show extends BaseCommand {
  static override summary = 'Display VNF instance details';
  static override examples = ['<%= config.bin %> show f93ed99c-e2f2-4f18-8377-37a171ea344f', '<%= config.bin %> show ID -f json -c "Instantiation State"'];
  static override args = { 'vnf-instance': Args.string({ required: true, description: 'VNF instance ID to display' }) };
  static override flags = {
    ...showFormatFlags,
    'show-secrets': Flags.boolean({ description: 'Show passwords in additionalParams instead of ********', default: false }),
  };

  async run(): Promise<ShowResult> {
    const { args, flags } = await this.parse(Show);
    const { Store } = await import('../lib/store/index.js');
    const { getInstance } = await import('../lib/lcm/instances.js');
    const { instanceShow } = await import('../lib/views/instance.js');
    const rec = await getInstance(await Store.open(), args['vnf-instance']);
    return instanceShow(rec, 'show', flags['show-secrets']);
  }
}
