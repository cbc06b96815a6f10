/** CloudOps over the OpenStack service modules (src/lib/openstack). */
import pLimit from 'p-limit';
import type { Cloud } from '../openstack/index.js';
import { resourceStack, type StackStatus } from '../openstack/heat.js';
import type { SwImage } from '../package/model.js';
import type { CloudOps, StackRef } from './cloud-ops.js';
import type { StackSpec } from './heat-template.js';
import type { InventoryPort, InventoryResource, StackInventory } from './vnf-info.js';

export function openstackCloudOps(cloud: Cloud, vimId: string | null): CloudOps {
  const { heat, nova, neutron, glance } = cloud;
  const ref = (s: StackRef) => ({ id: s.id, stack_name: s.name });
  return {
    vimId,
    async resolveImage(nameOrId) {
      return (await glance.findImage(nameOrId)).id;
    },
    async uploadImage(name: string, file: string, image: SwImage, onProgress?: (done: number, total: number) => void) {
      const created = await glance.createImage({
        name,
        diskFormat: image.diskFormat,
        containerFormat: image.containerFormat,
        minDisk: Math.ceil(image.minDisk / 1024 ** 3),
        minRam: Math.ceil(image.minRam / 1024 ** 2),
        visibility: 'private',
        tags: ['vnflcm'],
      });
      try {
        await glance.uploadImage(created.id, file, {
          onProgress,
          ...(image.checksum ? { expectedHash: { algorithm: image.checksum.algorithm, value: image.checksum.hash } } : {}),
        });
      } catch (err) {
        await glance.deleteImage(created.id).catch(() => undefined);
        throw err;
      }
      return created.id;
    },
    async deleteImage(id) {
      await glance.deleteImage(id);
    },
    async resolveFlavor(nameOrId) {
      return (await nova.findFlavor(nameOrId)).id;
    },
    async resolveNetwork(nameOrId) {
      return (await neutron.findNetwork(nameOrId)).id;
    },
    async findStack(name) {
      const s = await heat.findStack(name);
      return s ? { id: s.id, name: s.stack_name, status: s.stack_status } : undefined;
    },
    async createStack(name: string, spec: StackSpec, timeoutMins: number) {
      const created = await heat.createStack({
        name,
        template: spec.template,
        files: spec.files,
        parameters: spec.parameters,
        timeoutMins,
        disableRollback: true,
      });
      return { id: created.id, name };
    },
    async updateStack(stack, patch) {
      await heat.updateStack(ref(stack), { existing: true, ...(patch.parameters ? { parameters: patch.parameters } : {}) });
    },
    async deleteStack(stack) {
      await heat.deleteStack(ref(stack));
    },
    async waitStack(stack, expect, timeoutMs, onStatus) {
      await heat.waitForStack(ref(stack), {
        expect: expect as StackStatus,
        timeoutMs,
        onProgress: onStatus ? (s) => onStatus(s.stack_status) : undefined,
      });
    },
    async inventory(stack): Promise<StackInventory> {
      const rows = await heat.listResources(ref(stack), { nestedDepth: 3 });
      const resources: InventoryResource[] = rows.map((r) => ({
        stackId: resourceStack(r)?.id ?? stack.id,
        stackName: resourceStack(r)?.stack_name ?? stack.name,
        name: r.resource_name,
        type: r.resource_type,
        physicalId: r.physical_resource_id,
        status: r.resource_status,
        creationTime: r.creation_time ?? '',
      }));
      const limit = pLimit(8);
      const ports: Record<string, InventoryPort> = {};
      await Promise.all(
        resources
          .filter((r) => r.type === 'OS::Neutron::Port' && r.physicalId)
          .map((r) =>
            limit(async () => {
              const p = await neutron.getPort(r.physicalId);
              ports[p.id] = {
                id: p.id,
                networkId: p.network_id,
                macAddress: p.mac_address,
                fixedIps: p.fixed_ips.map((f) => ({ ipAddress: f.ip_address, subnetId: f.subnet_id })),
              };
            }),
          ),
      );
      return { stackId: stack.id, resources, ports };
    },
    async markUnhealthy(owner, resourceName, reason) {
      await heat.markUnhealthy(ref(owner), resourceName, reason);
    },
  };
}
