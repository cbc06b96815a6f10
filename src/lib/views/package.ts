/** The Field/Value and list rows of an onboarded VNF package, as `package show` / `package list` print them. */
import type { ShowResult } from '../format/types.js';
import type { VnfPackage } from '../package/model.js';
import type { PackageRecord } from '../store/records.js';

export function packageShow(rec: PackageRecord, model: VnfPackage, usage: string): ShowResult {
  const flavours: Record<string, unknown> = {};
  for (const [id, f] of Object.entries(model.flavours)) {
    flavours[id] = {
      description: f.description,
      vdus: Object.fromEntries(
        Object.values(f.vdus).map((v) => [v.id, { min: v.minInstances, max: v.maxInstances, initial: f.initialDeltas[v.id] ?? 1, cps: v.cps }]),
      ),
      scalingAspects: Object.fromEntries(Object.values(f.scalingAspects).map((a) => [a.id, { maxScaleLevel: a.maxScaleLevel }])),
      instantiationLevels: Object.keys(f.instantiationLevels),
      lcmHooks: f.lcmHooks,
      baseHot: f.baseHot?.top ?? null,
    };
  }
  return {
    type: 'show',
    fields: [
      { label: 'Id', value: rec.id },
      { label: 'VNFD ID', value: rec.vnfdId },
      { label: 'Vnf Provider', value: rec.vnfProvider },
      { label: 'Vnf Product Name', value: rec.vnfProductName },
      { label: 'Vnf Software Version', value: rec.vnfSoftwareVersion },
      { label: 'Vnfd Version', value: rec.vnfdVersion },
      { label: 'Onboarding State', value: 'ONBOARDED' },
      { label: 'Operational State', value: 'ENABLED' },
      { label: 'Usage State', value: usage },
      { label: 'Flavours', value: flavours, json: true },
      { label: 'Source', value: rec.source },
    ],
  };
}

export const PACKAGE_LIST_COLUMNS = [
  'Id',
  'VNFD ID',
  'Vnf Product Name',
  'Vnf Provider',
  'Vnf Software Version',
  'Onboarding State',
  'Usage State',
  'Operational State',
] as const;

export function packageRow(rec: PackageRecord, usage: string): unknown[] {
  return [rec.id, rec.vnfdId, rec.vnfProductName, rec.vnfProvider, rec.vnfSoftwareVersion, 'ONBOARDED', usage, 'ENABLED'];
}
