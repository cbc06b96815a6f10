/** VNF instances as Tacker's v1 API returns them, and their Field/Value and list views (`create`, `show`, `list`). */
import type { ShowResult } from '../format/types.js';
import type { VnfInstanceRecord } from '../store/records.js';
import { maskSecrets } from '../redact.js';
import { showFromResponse } from './show.js';

export { MASK, maskSecrets } from '../redact.js';

/**
 * What Tacker's v1 API returns for a VNF instance (GET /vnflcm/v1/vnf_instances/{id}).
 * Unlike Tacker, secrets in additionalParams are masked unless `showSecrets` is set.
 */
export function instanceResponse(rec: VnfInstanceRecord, showSecrets = false): Record<string, unknown> {
  const base = `/vnflcm/v1/vnf_instances/${rec.id}`;
  const links: Record<string, { href: string }> =
    rec.instantiationState === 'INSTANTIATED'
      ? {
          self: { href: base },
          terminate: { href: `${base}/terminate` },
          scale: { href: `${base}/scale` },
          heal: { href: `${base}/heal` },
          changeExtConn: { href: `${base}/change_ext_conn` },
        }
      : { self: { href: base }, instantiate: { href: `${base}/instantiate` } };
  const out: Record<string, unknown> = {
    id: rec.id,
    vnfInstanceName: rec.vnfInstanceName,
    vnfInstanceDescription: rec.vnfInstanceDescription,
    vnfdId: rec.vnfdId,
    vnfProvider: rec.vnfProvider,
    vnfProductName: rec.vnfProductName,
    vnfSoftwareVersion: rec.vnfSoftwareVersion,
    vnfdVersion: rec.vnfdVersion,
    vnfPkgId: rec.vnfPkgId,
    instantiationState: rec.instantiationState,
  };
  if (rec.instantiationState === 'INSTANTIATED') {
    out.instantiatedVnfInfo = showSecrets ? (rec.instantiatedVnfInfo ?? {}) : maskSecrets(rec.instantiatedVnfInfo ?? {});
    out.vimConnectionInfo = rec.vimConnectionInfo;
  }
  out._links = links;
  if (rec.metadata && Object.keys(rec.metadata).length > 0) out.metadata = rec.metadata;
  return out;
}

const COMMON: Array<readonly [string, string]> = [
  ['id', 'ID'],
  ['vnfInstanceName', 'VNF Instance Name'],
  ['vnfInstanceDescription', 'VNF Instance Description'],
  ['vnfdId', 'VNFD ID'],
  ['vnfProvider', 'VNF Provider'],
  ['vnfProductName', 'VNF Product Name'],
  ['vnfSoftwareVersion', 'VNF Software Version'],
  ['vnfdVersion', 'VNFD Version'],
  ['instantiationState', 'Instantiation State'],
  ['_links', 'Links'],
  ['vnfConfigurableProperties', 'VNF Configurable Properties'],
];

/** Field/Value view of an instance as `create` (the 201 response) or `show` prints it. */
export function instanceShow(rec: VnfInstanceRecord, mode: 'create' | 'show', showSecrets = false): ShowResult {
  const response = instanceResponse(rec, showSecrets);
  const map = [...COMMON];
  if (mode === 'show') {
    if (rec.instantiationState === 'INSTANTIATED') map.push(['instantiatedVnfInfo', 'Instantiated Vnf Info']);
    map.push(['vimConnectionInfo', 'VIM Connection Info']);
  }
  map.push(['vnfPkgId', 'VNF Package ID']);
  return showFromResponse(response, map, new Set(['instantiatedVnfInfo', 'vimConnectionInfo', '_links']));
}

export const INSTANCE_LIST_COLUMNS = [
  'ID',
  'VNF Instance Name',
  'Instantiation State',
  'VNF Provider',
  'VNF Software Version',
  'VNF Product Name',
  'VNFD ID',
] as const;

export function instanceRow(rec: VnfInstanceRecord): unknown[] {
  return [
    rec.id,
    rec.vnfInstanceName,
    rec.instantiationState,
    rec.vnfProvider,
    rec.vnfSoftwareVersion,
    rec.vnfProductName,
    rec.vnfdId,
  ];
}
