/**
 * The management drivers built into vnflcm, by the artifact names the VNFDs use for their
 * Vnflcm hooks. The lcm layer imports this table (no registration by side effect); the drivers
 * load lazily: only an operation that calls a hook pays for ssh2.
 */
import type { DriverTable } from './contract.js';

export const BUILT_IN_DRIVERS: DriverTable = {
  'mgmt-drivers-private-registry': async () => (await import('./private-registry/driver.js')).privateRegistryDriver,
  'mgmt-drivers-kubernetes': async () => (await import('./kubernetes/driver.js')).kubernetesDriver,
};
