/**
 * What the LCM operations need from the cloud, in their own words. Implemented over the OpenStack
 * service modules in ./openstack-cloud.ts; kept as an interface so the operations read as the
 * sequence of cloud steps they are, and so they can be unit-tested with recorded inventories.
 */
import type { SwImage } from '../package/model.js';
import type { StackSpec } from './heat-template.js';
import type { StackInventory } from './vnf-info.js';

export interface StackRef {
  id: string;
  name: string;
}

export interface CloudOps {
  /** vimId recorded in vimConnectionInfo / resource handles (null for the default cloud). */
  readonly vimId: string | null;
  resolveImage(nameOrId: string): Promise<string>;
  uploadImage(name: string, file: string, image: SwImage, onProgress?: (done: number, total: number) => void): Promise<string>;
  deleteImage(id: string): Promise<void>;
  resolveFlavor(nameOrId: string): Promise<string>;
  resolveNetwork(nameOrId: string): Promise<string>;
  findStack(name: string): Promise<(StackRef & { status: string }) | undefined>;
  createStack(name: string, spec: StackSpec, timeoutMins: number): Promise<StackRef>;
  /** PATCH update (`existing`): only what is given changes. */
  updateStack(stack: StackRef, patch: { parameters?: Record<string, unknown> }): Promise<void>;
  deleteStack(stack: StackRef): Promise<void>;
  /** Wait for a stack status; throws with Heat's stack_status_reason on *_FAILED. */
  waitStack(stack: StackRef, expect: string, timeoutMs: number, onStatus?: (status: string) => void): Promise<void>;
  /** Every resource of the stack tree, plus the ports' addresses from Neutron. */
  inventory(stack: StackRef): Promise<StackInventory>;
  /** Mark a resource of a (nested) stack unhealthy so the next update replaces it. */
  markUnhealthy(owner: StackRef, resourceName: string, reason: string): Promise<void>;
}
