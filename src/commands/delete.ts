/** `vnflcm delete`: delete VNF instance(s). Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { CliError, errorMessage } from '../lib/errors.js';
import { message, type MessageResult } from '../cli/results.js';

export default class Delete extends BaseCommand {
  static override summary = 'Delete VNF instance(s)';
  static override description = 'Deletes NOT_INSTANTIATED VNF instance records. Continues after a failure and exits 1 if any failed.';
  static override strict = false;
  static override examples = ['<%= config.bin %> delete ID1 ID2'];
  static override args = { 'vnf-instance': Args.string({ required: true, description: 'VNF instance ID(s) to delete' }) };

  async run(): Promise<MessageResult> {
    const { argv } = await this.parse(Delete);
    const ids = argv as string[];
    const { Store } = await import('../lib/store/index.js');
    const { deleteInstance } = await import('../lib/lcm/instances.js');
    const store = await Store.open();
    let failed = 0;
    for (const id of ids) {
      try {
        await deleteInstance(store, id);
      } catch (err) {
        failed++;
        process.stderr.write(`Failed to delete vnf instance with ID '${id}': ${errorMessage(err)}\n`);
      }
    }
    if (failed > 0) throw new CliError(`Failed to delete ${failed} of ${ids.length} vnf instances.`);
    return message(ids.length === 1 ? `Vnf instance '${ids[0]}' is deleted successfully` : 'All specified vnf instances are deleted successfully');
  }
}
