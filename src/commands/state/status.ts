/** `vnflcm state status`: which state backend is in effect and what it holds. Returns a ShowResult. */
import { BaseCommand } from '../../cli/base-command.js';
import type { ShowResult } from '../../cli/results.js';
import { showFormatFlags } from '../../cli/flags/format.js';

export default class StateStatus extends BaseCommand {
  static override summary = 'Show which state backend is in effect, where, and how many records it holds';
  static override flags = { ...showFormatFlags };

  async run(): Promise<ShowResult> {
    await this.parse(StateStatus);
    const { stateStatus } = await import('../../lib/state/admin.js');
    const s = await stateStatus();
    return {
        type: 'show',
        fields: [
          { label: 'Backend', value: s.backend },
          { label: 'Location', value: s.location },
          { label: 'Chosen By', value: s.source },
          { label: 'Schema Version', value: s.schemaVersion },
          { label: 'Packages', value: s.records.packages },
          { label: 'VNF Instances', value: s.records.instances },
          { label: 'Operations', value: s.records.ops },
          { label: 'VIMs', value: s.records.vims },
          { label: 'Secrets Key', value: s.secretsKey },
        ],
      };
  }
}
