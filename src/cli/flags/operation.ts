/** Flags of every operation that changes a VNF (instantiate, heal, scale, terminate). */
import { Flags } from '@oclif/core';
import { authFlags } from './openstack.js';

export const operationFlags = {
  ...authFlags,
  timeout: Flags.integer({ description: 'Give up on the operation after this many seconds', default: 3600, min: 1 }),
  'accept-new-host-key': Flags.boolean({
    description: 'Accept a VM host key that differs from the one recorded (only when you know the VM was rebuilt)',
    default: false,
  }),
  concurrency: Flags.integer({ description: 'How many VMs to provision at the same time', default: 10, min: 1 }),
  quiet: Flags.boolean({ char: 'q', description: 'No progress lines on stderr', default: false }),
};
