/** `vnflcm registry check`: check that a Kubernetes VNF can pull from its private registries, node by node. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { listFormatFlags } from '../../cli/flags/format.js';
import type { ListResult } from '../../cli/results.js';

export default class RegistryCheck extends BaseCommand {
  static override summary = 'Check that a Kubernetes VNF can pull from its private registries, node by node';
  static override description =
    'With a VNF instance ID: on every master and worker (over SSH), with only the node\'s own configuration. ' +
    'With an instantiate param file (before instantiate): from this machine, with the parameters. ' +
    'Checks per registry: config, dns (hosts_string included), tcp, scheme (HTTP/HTTPS mix-ups), tls (against the given CA), ' +
    'login (Basic or Bearer token), manifest (HEAD of --image). A check after a failed one is "skip". ' +
    'Exit code 0: every check passed; 1: a check failed (the table still lists every check).';
  static override examples = [
    '<%= config.bin %> registry check 5f1f5d6c-1e7b-4b53-9a53-2d0d3bd2bd5e --image library/nginx:1.27',
    '<%= config.bin %> registry check my_k8s_param_file.json --vnfd-id b1db0ce7-ebca-1fb7-95ed-4840d70a1163 -f json',
  ];
  static override args = {
    target: Args.string({ required: true, description: 'VNF instance ID (checks on its nodes) or instantiate param file (checks from here)' }),
  };
  static override flags = {
    image: Flags.string({ description: 'Image NAME[:TAG] (without the registry) for the manifest HEAD check; without it that check is skipped' }),
    'vnfd-id': Flags.string({ description: 'With a param file: the VNFD ID of the onboarded package holding its certificate_path files' }),
    concurrency: Flags.integer({ description: 'How many nodes to check at the same time', default: 10, min: 1 }),
    timeout: Flags.integer({ description: 'Seconds for each network check from this machine, and for reaching a node over SSH', default: 15, min: 1 }),
    'accept-new-host-key': Flags.boolean({ description: 'Accept a node host key that differs from the one recorded', default: false }),
    ...listFormatFlags,
  };

  async run(): Promise<ListResult> {
    const { args, flags } = await this.parse(RegistryCheck);
    const { Store } = await import('../../lib/store/index.js');
    const { registryCheck, failureError, toListResult } = await import('../../lib/registry-check/index.js');
    const report = await registryCheck(await Store.open(), args.target, {
      ...(flags.image !== undefined ? { image: flags.image } : {}),
      ...(flags['vnfd-id'] !== undefined ? { vnfdId: flags['vnfd-id'] } : {}),
      concurrency: flags.concurrency,
      acceptNewHostKey: flags['accept-new-host-key'],
      timeoutMs: flags.timeout * 1000,
    });
    const result = toListResult(report.rows);
    const err = failureError(report);
    if (!err) return result;
    // a failed check still shows every row, then the failure (exit 1)
    await this.print(result);
    throw err;
  }
}
