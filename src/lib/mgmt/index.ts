/**
 * The management drivers built into vnflcm, by the artifact names the VNFDs use for their
 * Vnflcm hooks. Drivers load lazily: only an operation that calls a hook pays for ssh2.
 */
import { registerDriver } from '../lcm/hooks.js';

registerDriver('mgmt-drivers-private-registry', async () => (await import('./private-registry/driver.js')).privateRegistryDriver);
registerDriver('mgmt-drivers-kubernetes', async () => (await import('./kubernetes/driver.js')).kubernetesDriver);
