/**
 * `instantiate --dry-run`: the Heat stack the instantiate would create, as YAML, without contacting
 * the cloud (image, flavor and network names are shown as the package and the request give them);
 * for a Kubernetes cluster VNF also the driver's plan, per node (`kubernetes_plan`).
 * `scale|heal --dry-run` of a Kubernetes cluster VNF: the driver's plan per node, nothing changed.
 */
import { safeDump } from '../format/yaml.js';
import { CliError, ExitCode, InputError } from '../errors.js';
import type { ChangeOp } from '../mgmt/kubernetes/dry-plan.js';
import type { KubernetesMeta } from '../mgmt/kubernetes/run.js';
import { getInstance } from './instances.js';
import { loadPackage } from './packages.js';
import { buildStackSpec, levelScale, vduCount, type CpBinding } from './heat-template.js';
import { internalOf, stackName } from './instance-state.js';
import type { Store } from '../store/index.js';
import type { OpFlags } from './entrypoints.js';

export async function dryRun(store: Store, id: string, paramFile: string, _flags: Partial<OpFlags>): Promise<string> {
  const { loadParamFile } = await import('../params/load.js');
  const { validateInstantiateRequest, invalidParamFileTitle } = await import('../params/validate.js');
  const body = await loadParamFile(paramFile);
  const rec = await getInstance(store, id);
  const { model } = await loadPackage(store, rec.vnfdId);
  const v = validateInstantiateRequest(body, model);
  if (v.problems.length || !v.request) throw new InputError(invalidParamFileTitle(paramFile, v.problems.length), v.problems);
  const request = v.request;
  const flavour = model.flavours[request.flavourId];
  if (!flavour) throw new InputError(invalidParamFileTitle(paramFile, 1), [{ path: 'flavourId', expected: 'a flavour of the package', found: request.flavourId }]);
  const images: Record<string, string> = {};
  const flavors: Record<string, string | undefined> = {};
  for (const vdu of Object.values(flavour.vdus)) {
    if (vdu.swImage) images[vdu.id] = vdu.swImage.file ? `<uploaded from ${vdu.swImage.file}>` : vdu.swImage.name;
    flavors[vdu.id] = vdu.compute.flavorName;
  }
  const cps: Record<string, CpBinding> = {};
  for (const vl of request.extVirtualLinks ?? []) {
    for (const cp of vl.extCps) {
      const fixedIps = (cp.cpConfig ?? []).flatMap((c) =>
        (c.cpProtocolData ?? []).flatMap((pd) =>
          (pd.ipOverEthernet?.ipAddresses ?? []).flatMap((a) => (a.fixedAddresses ?? []).map((ip) => ({ ip_address: ip, ...(a.subnetId ? { subnet: a.subnetId } : {}) }))),
        ),
      );
      cps[cp.cpdId] = { network: vl.resourceId, fixedIps };
    }
  }
  const scaleLevels = levelScale(flavour, request.instantiationLevelId);
  const spec = await buildStackSpec(model, flavour, { images, flavors, cps, scaleLevels });
  let kubernetesPlan: Record<string, string[]> | undefined;
  if (flavour.lcmHooks.instantiate_end === 'mgmt-drivers-kubernetes') {
    const { dryRunPlan } = await import('../mgmt/kubernetes/dry-plan.js');
    const plans = await dryRunPlan({ flavour, request, packageRoot: model.root, store }, (vdu) => vduCount(flavour, vdu, scaleLevels));
    kubernetesPlan = Object.fromEntries(plans.map((p) => [`${p.node} (${p.role}, ${p.work})`, p.steps.map((st) => st.name)]));
  }
  // the one YAML writer (PyYAML's safe_dump, as `-f yaml` prints): keys sorted, block style
  return safeDump({
    stack_name: stackName(id),
    template: typeof spec.template === 'string' ? spec.template : spec.template,
    files: spec.files,
    parameters: spec.parameters,
    ...(kubernetesPlan ? { kubernetes_plan: kubernetesPlan } : {}),
  }).trimEnd();
}

/** `scale|heal --dry-run`: the Kubernetes driver's per-node plan of the change, as YAML. */
export async function dryRunChange(store: Store, id: string, change: ChangeOp): Promise<string> {
  const rec = await getInstance(store, id);
  const { model } = await loadPackage(store, rec.vnfdId);
  const request = internalOf(rec).request;
  const flavour = request ? model.flavours[request.flavourId] : undefined;
  if (!request || !flavour || flavour.lcmHooks.scale_end !== 'mgmt-drivers-kubernetes') {
    throw new CliError(`VNF instance ${id} is not a Kubernetes cluster VNF: scale/heal --dry-run shows the Kubernetes driver's plan only`, ExitCode.invalidInput);
  }
  const { dryRunChangePlan } = await import('../mgmt/kubernetes/dry-plan.js');
  const meta = (rec.metadata as { kubernetes?: KubernetesMeta } | undefined)?.kubernetes;
  const { plans, removed } = await dryRunChangePlan({ flavour, request, packageRoot: model.root, store, meta }, change);
  return safeDump({
    operation: change.op,
    ...(removed ? { removed } : {}),
    kubernetes_plan: Object.fromEntries(plans.map((p) => [`${p.node} (${p.role}, ${p.work})`, p.steps.map((st) => st.name)])),
  }).trimEnd();
}
