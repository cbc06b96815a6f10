/**
 * The typed model of an onboarded VNF package (ETSI SOL004 CSAR with a SOL001 VNFD), as far as
 * vnflcm needs it. Produced by `readPackage()` in ./reader.ts; consumed by param-file validation,
 * Heat template building and the management drivers.
 */

export interface VnfPackage {
  /** Absolute path of the package's root directory (in the store once onboarded). */
  root: string;
  /** TOSCA.meta block 1 and the per-file blocks. */
  meta: ToscaMeta;
  /** Path (relative to root) of the Entry-Definitions file. */
  entryDefinitions: string;
  vnf: VnfProperties;
  /** Flavours by flavour_id. */
  flavours: Record<string, Flavour>;
  /** Every file of the package, relative to root, with POSIX separators (sorted). */
  files: string[];
  /** Things worth telling the user that do not make the package invalid (added by the reader). */
  warnings?: PackageWarning[];
}

/** A non-fatal finding of the package reader: where (file: key) and what. */
export interface PackageWarning {
  path: string;
  message: string;
}

export interface ToscaMeta {
  toscaMetaFileVersion: string;
  csarVersion: string;
  createdBy: string;
  entryDefinitions: string;
  /** Per-file blocks (Name/Source, Content-Type, Algorithm, Hash) in file order. */
  artifacts: MetaArtifact[];
  /** `ETSI-Entry-Manifest` of block 1 (package-relative), when present; its hashes are verified too. */
  entryManifest?: string;
}

export interface MetaArtifact {
  name: string;
  contentType?: string;
  algorithm?: string;
  hash?: string;
}

export interface VnfProperties {
  descriptorId: string;
  descriptorVersion: string;
  provider: string;
  productName: string;
  softwareVersion: string;
  vnfmInfo: string[];
}

export interface Flavour {
  id: string;
  description: string;
  /** Definitions file (relative to root) whose substitution_mappings name this flavour. */
  file: string;
  vdus: Record<string, Vdu>;
  /** VduCp nodes by name (cpdId). */
  cps: Record<string, VduCp>;
  /** Internal VnfVirtualLink nodes by name. */
  virtualLinks: Record<string, VirtualLink>;
  scalingAspects: Record<string, ScalingAspect>;
  /** vduId -> initial number of instances (VduInitialDelta; 1 when absent). */
  initialDeltas: Record<string, number>;
  /** aspectId -> vduId -> instances added per step (VduScalingAspectDeltas, first delta). */
  aspectDeltas: Record<string, Record<string, number>>;
  instantiationLevels: Record<string, InstantiationLevel>;
  defaultInstantiationLevelId?: string;
  /** Vnflcm interface: hook name (instantiate_end, heal_start, ...) -> implementation artifact name. */
  lcmHooks: Partial<Record<LcmHookName, string>>;
  /**
   * Artifacts declared on the VNF node of this flavour: name -> { type, file (relative to root) }.
   * Management drivers are built into vnflcm and chosen by artifact name
   * (`mgmt-drivers-private-registry`, `mgmt-drivers-kubernetes`); their `file` is optional.
   */
  artifacts: Record<string, { type: string; file?: string }>;
  /** BaseHOT for this flavour, when the package has `BaseHOT/<flavour>/`. */
  baseHot?: BaseHot;
}

export const LCM_HOOKS = [
  'instantiate_start', 'instantiate_end',
  'heal_start', 'heal_end',
  'scale_start', 'scale_end',
  'terminate_start', 'terminate_end',
] as const;
export type LcmHookName = (typeof LCM_HOOKS)[number];

export interface Vdu {
  id: string;
  name: string;
  description: string;
  minInstances: number;
  maxInstances: number;
  swImage?: SwImage;
  compute: VirtualCompute;
  /** CP names bound to this VDU, ordered by their `order` property. */
  cps: string[];
}

export interface SwImage {
  name: string;
  version?: string;
  checksum?: { algorithm: string; hash: string };
  containerFormat: string;
  diskFormat: string;
  /** Bytes. */
  minDisk: number;
  /** Bytes. */
  minRam: number;
  /** Bytes. */
  size: number;
  /** Image file inside the package (relative to root), when the VDU has a sw_image artifact. */
  file?: string;
  /** Image URL, when the sw_image artifact's file is an http(s) URL instead of a package file. */
  url?: string;
}

export interface VirtualCompute {
  /** Bytes. */
  memSize: number;
  numCpus: number;
  /** Bytes (first virtual_local_storage), 0 when absent. */
  diskSize: number;
  /** requested_additional_capability_name: a Nova flavor name to use as is. */
  flavorName?: string;
}

export interface VduCp {
  id: string;
  vdu: string;
  order: number;
  layerProtocols: string[];
  /** Internal virtual link, when bound to one; external CPs have none. */
  virtualLink?: string;
}

export interface VirtualLink {
  id: string;
  layerProtocols: string[];
  cidr?: string;
}

export interface ScalingAspect {
  id: string;
  name: string;
  description: string;
  maxScaleLevel: number;
  stepDeltas: string[];
}

export interface InstantiationLevel {
  id: string;
  description: string;
  /** aspectId -> scale level. */
  scaleInfo: Record<string, number>;
}

export interface BaseHot {
  /** Path (relative to root) of the single top template under BaseHOT/<flavour>/. */
  top: string;
  /** Nested templates: file name as referenced by the top template -> path relative to root. */
  nested: Record<string, string>;
}
