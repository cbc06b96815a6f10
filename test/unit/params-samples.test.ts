/**
 * The guide's param files (comments removed) against the sample packages read by readPackage().
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../../src/lib/errors.js';
import { validateInstantiateRequest } from '../../src/lib/params/validate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const REG_PKG = `${repo}samples/private-registry-vnf-package`;
const K8S_PKG = `${repo}samples/kubernetes-cluster-vnf-package`;
const READER = `${repo}src/lib/package/reader.ts`;
const ready = existsSync(REG_PKG) && existsSync(K8S_PKG) && existsSync(READER);
const readJson = (rel: string): Record<string, unknown> => JSON.parse(readFileSync(`${repo}test/fixtures/params/${rel}`, 'utf8')) as Record<string, unknown>;

describe('param files against the sample packages', { skip: ready ? false : 'samples/ or the package reader not there yet' }, () => {
  it('registry and Kubernetes guide files', async () => {
    const { readPackage } = await import('../../src/lib/package/reader.js');
    const reg = await readPackage(REG_PKG);
    const k8s = await readPackage(K8S_PKG);

    const R = readJson('good/private_registry_param_file.json');
    assert.deepEqual(validateInstantiateRequest(R, reg).problems, []);

    const K = readJson('good/private_registry_kubernetes_param_file.json');
    // The guide pairs flavour "simple" with cluster_cp_name "vip_CP", a port that only the
    // "complex" BaseHOT has (a single master uses its own port): with the real BaseHOT read, that is caught.
    assert.deepEqual(validateInstantiateRequest(K, k8s).problems.map(formatProblem), [
      'additionalParams.k8s_cluster_installation_param.master_node.cluster_cp_name: expected a CP of flavour simple or a port of its BaseHOT, found "vip_CP" (hint: vip_CP exists only in the BaseHOT of flavour complex; with flavour simple use masterNode_CP1)',
    ]);
    assert.deepEqual(validateInstantiateRequest({ ...K, flavourId: 'complex' }, k8s).problems, []);
  });
});
