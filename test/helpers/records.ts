/** Store records for unit tests: a NOT_INSTANTIATED instance with the fields every record has. */
import type { VnfInstanceRecord } from '../../src/lib/store/records.js';

export function instanceRecord(id: string, extra: Partial<VnfInstanceRecord> = {}): VnfInstanceRecord {
  return {
    id,
    vnfInstanceName: `vnf-${id}`,
    vnfInstanceDescription: null,
    vnfdId: 'd',
    vnfPkgId: 'p',
    vnfProvider: 'Company',
    vnfProductName: 'x',
    vnfSoftwareVersion: '1.0',
    vnfdVersion: '1.0',
    instantiationState: 'NOT_INSTANTIATED',
    vimConnectionInfo: [],
    createdAt: new Date().toISOString(),
    ...extra,
  };
}
