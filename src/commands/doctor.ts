/** `vnflcm doctor`: check that the store is consistent with the cloud. Returns its data; BaseCommand prints it. */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { listFormatFlags } from '../cli/flags/format.js';
import { authFlags } from '../cli/flags/openstack.js';
import type { ListResult } from '../cli/results.js';

export default class Doctor extends BaseCommand {
  static override summary = 'Check that the store is consistent with the cloud';
  static override description =
    'Reports instances whose recorded stack is missing, vnf-<id> stacks without an instance, duplicate VNFCs or Kubernetes nodes, and ' +
    'operation occurrences left running or FAILED_TEMP, each with a hint. Exits 1 when it finds something.';
  static override flags = {
    ...listFormatFlags,
    ...authFlags,
    'no-cloud': Flags.boolean({ description: 'Check the store only (no cloud calls)', default: false }),
  };

  async run(): Promise<ListResult | undefined> {
    const { flags } = await this.parse(Doctor);
    const { Store } = await import('../lib/store/index.js');
    const { doctor } = await import('../lib/lcm/doctor.js');
    const findings = await doctor(await Store.open(), flags, { cloud: !flags['no-cloud'] });
    if (findings.length === 0) {
      process.stderr.write('No problems found.\n');
      return undefined;
    }
    process.exitCode = 1;
    return { type: 'list', columns: ['Check', 'Subject', 'Problem', 'Hint'], rows: findings.map((f) => [f.check, f.subject, f.problem, f.hint]) };
  }
}
