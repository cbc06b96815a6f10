/** `vnflcm package delete`: delete an onboarded VNF package (refused while instances use it). Returns its data; BaseCommand prints it. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { message, type MessageResult } from '../../cli/results.js';

export default class PackageDelete extends BaseCommand {
  static override summary = 'Delete an onboarded VNF package (refused while instances use it)';
  static override args = { 'vnfd-id': Args.string({ required: true, description: 'VNFD ID of the package' }) };

  async run(): Promise<MessageResult> {
    const { args } = await this.parse(PackageDelete);
    const { Store } = await import('../../lib/store/index.js');
    const { deletePackage } = await import('../../lib/lcm/packages.js');
    await deletePackage(await Store.open(), args['vnfd-id']);
    return message(`VNF package with VNFD ID '${args['vnfd-id']}' is deleted successfully`);
  }
}
