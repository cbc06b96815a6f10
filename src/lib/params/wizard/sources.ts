/**
 * Where the wizard's offered lists come from: the cloud's networks (when credentials resolve and
 * the cloud answers; otherwise the network is typed, with a one-line note saying why) and this
 * CLI's instantiated Docker private registry VNFs (`vnf:<id>`).
 */
import { errorMessage } from '../../errors.js';
import type { AuthFlagValues } from '../../openstack/auth-options.js';
import type { Network } from '../../openstack/neutron.js';
import type { Store } from '../../store/index.js';
import type { Choice } from './ask.js';

export function networkChoices(nets: readonly Network[]): Choice[] {
  return [...nets]
    .sort((x, y) => (x.name || x.id).localeCompare(y.name || y.id))
    .map((n) => ({
      name: `${n.name || '(no name)'} (${n.id}${n.shared ? ', shared' : ''}${n['router:external'] ? ', external' : ''})`,
      value: n.id,
    }));
}

/**
 * The networks of the cloud the operation would use (`--os-*` flags / `OS_*` variables, else
 * the default VIM), listed once. `note` receives why the list is not offered.
 */
export function cloudNetworks(store: Store, flags: AuthFlagValues, note: (line: string) => void, env: NodeJS.ProcessEnv = process.env): () => Promise<Choice[] | undefined> {
  let listed: Promise<Choice[] | undefined> | undefined;
  const list = async (): Promise<Choice[] | undefined> => {
    const os = await import('../../openstack/index.js');
    const options = os.authOptionsFromFlags(flags);
    if (!flags['os-cloud'] && !flags['os-auth-url'] && !env.OS_CLOUD && !env.OS_AUTH_URL) {
      const def = (await store.listVims()).find((v) => v.isDefault && v.type === 'openstack');
      if (def) options.cloud = def.cloud;
    }
    let config;
    try {
      config = os.resolveCloudConfig(options, { env });
    } catch (err) {
      note(`No cloud credentials (${errorMessage(err).split('\n')[0]}): type the network names or ids.`);
      return undefined;
    }
    try {
      const cloud = await os.openCloud(config, { retries: 0, timeoutMs: 15_000, env });
      return networkChoices(await cloud.neutron.listNetworks());
    } catch (err) {
      note(`The cloud's networks cannot be listed (${errorMessage(err).split('\n')[0]}): type the network names or ids.`);
      return undefined;
    }
  };
  return () => (listed ??= list());
}

/** Instantiated registry VNFs with a recorded endpoint, as `vnf:<id>` choices. */
export async function registryVnfChoices(store: Pick<Store, 'listInstances'>): Promise<Choice[]> {
  const out: Choice[] = [];
  for (const inst of await store.listInstances()) {
    if (inst.instantiationState !== 'INSTANTIATED') continue;
    const reg = (inst.metadata as { private_registry?: { endpoint?: unknown } } | undefined)?.private_registry;
    if (typeof reg?.endpoint !== 'string') continue;
    out.push({ name: `vnf:${inst.id} (${inst.vnfInstanceName || inst.vnfProductName}, ${reg.endpoint})`, value: `vnf:${inst.id}` });
  }
  return out;
}
