/**
 * One entry point to a cloud: authenticate once, get one client per service.
 *
 *   import { authFlags, authOptionsFromFlags, openCloud, resolveCloudConfig } from '../lib/openstack/index.js';
 *   const cloud = await openCloud(resolveCloudConfig(authOptionsFromFlags(flags)), { debug });
 *   const stack = await cloud.heat.getStack(id);
 *   const server = await cloud.nova.getServer(serverId);
 *
 * Service endpoints are looked up on first use, so a cloud without (say) Glance still serves Heat.
 */
import type { CloudConfig } from './config.js';
import { GlanceClient } from './glance.js';
import { HeatClient } from './heat.js';
import { NeutronClient } from './neutron.js';
import { NovaClient } from './nova.js';
import { Session, type SessionOptions } from './session.js';

export interface Cloud {
  session: Session;
  heat: HeatClient;
  nova: NovaClient;
  neutron: NeutronClient;
  glance: GlanceClient;
  /** The token's project (undefined for domain/system scope). */
  projectId: string | undefined;
  userId: string | undefined;
  region: string | undefined;
}

/** Authenticate (reusing a cached token when valid) and return the service clients. */
export async function openCloud(config: CloudConfig, opts: SessionOptions = {}): Promise<Cloud> {
  const session = await Session.open(config, opts);
  return {
    session,
    heat: new HeatClient(session),
    nova: new NovaClient(session),
    neutron: new NeutronClient(session),
    glance: new GlanceClient(session),
    projectId: session.projectId,
    userId: session.userId,
    region: config.regionName,
  };
}

export * from './config.js';
export * from './auth-options.js';
export * from './session.js';
export * from './heat.js';
export * from './nova.js';
export * from './neutron.js';
export * from './glance.js';
export { isUuid, pickOne } from './find.js';
