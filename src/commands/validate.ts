/** `vnflcm validate`: check an instantiate param file, against a VNF package when --vnfd-id is given. Returns its data; BaseCommand prints it. */
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { message, type MessageResult } from '../cli/results.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check an instantiate param file, against a VNF package when --vnfd-id is given';
  static override description =
    'Reports every problem at once, each with its JSON path, what was expected, what was found and a hint. ' +
    'Exit code 0: valid; 3: problems found; 1: the file could not be read.';
  static override examples = ['<%= config.bin %> validate samples/private_registry_param_file.json --vnfd-id c1bb0ce7-ebca-4fa7-95ed-4840d70a118f'];
  static override args = { 'param-file': Args.string({ required: true, description: 'InstantiateVnfRequest JSON file' }) };
  static override flags = {
    'vnfd-id': Flags.string({ description: 'VNFD ID of an onboarded package to check the file against' }),
  };

  async run(): Promise<MessageResult> {
    const { args, flags } = await this.parse(Validate);
    const { validateParamFile } = await import('../lib/params/validate.js');
    let pkg;
    if (flags['vnfd-id']) {
      const { Store } = await import('../lib/store/index.js');
      const { loadPackage } = await import('../lib/lcm/packages.js');
      pkg = (await loadPackage(await Store.open(), flags['vnfd-id'])).model;
    }
    const request = await validateParamFile(args['param-file'], pkg);
    const against = flags['vnfd-id'] ? ` for VNFD ${flags['vnfd-id']}` : '';
    return message(`${args['param-file']}: valid${against} (flavour ${request.flavourId}).`);
  }
}
