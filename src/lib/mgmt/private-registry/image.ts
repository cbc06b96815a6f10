/**
 * The registry image shipped in the package (`image_path`): checked on the operator's machine
 * before anything is uploaded (the file exists inside the package, it is a docker-save archive,
 * it carries `registry:latest`), and the image id `docker load` will give it, so a VM that already
 * has exactly that image is left alone.
 */
import { realpath } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { readDockerArchive } from '../../package/docker-archive.js';
import { resolveInPackage } from '../../package/paths.js';
import { PARAM_KEY } from './params.js';

export const REGISTRY_TAG = 'registry:latest';

export interface RegistryArchive {
  /** Absolute local path of the archive. */
  localPath: string;
  /** As given in the param file (for messages). */
  label: string;
  /** `sha256:<hex>` of the image's config blob = the id docker gives the loaded image, when derivable from the manifest. */
  expectedId?: string;
}

/** Names under which `docker load` would make an image answer to `registry:latest`. */
export function isRegistryLatest(repoTag: string): boolean {
  return ['registry:latest', 'library/registry:latest', 'docker.io/library/registry:latest', 'index.docker.io/library/registry:latest'].includes(
    repoTag.toLowerCase(),
  );
}

/**
 * The image id docker assigns on load: the SHA-256 of the config blob, which `docker save` names
 * `<hex>.json` (legacy layout) or `blobs/sha256/<hex>` (OCI layout, docker ≥ 25).
 */
export function imageIdFromConfigPath(config: string): string | undefined {
  const m = /^(?:\.\/)?(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/.exec(config);
  return m?.[1] ? `sha256:${m[1]}` : undefined;
}

/** Resolve `image_path` inside the package and check the archive; throws an InputError naming the problem. */
export async function inspectRegistryArchive(pkgRoot: string, imagePath: string): Promise<RegistryArchive> {
  const where = `additionalParams.${PARAM_KEY}.image_path`;
  const root = await realpath(pkgRoot);
  const r = await resolveInPackage(root, imagePath);
  if (r.kind !== 'file') {
    const found =
      r.kind === 'outside' ? 'a path that leads outside the package' : r.kind === 'dir' ? 'a directory' : 'no such file in the package';
    throw new InputError(`The registry image archive ${JSON.stringify(imagePath)} cannot be used`, [
      { path: where, expected: 'a "docker save" archive inside the VNF package', found: `${found} (package root ${root})` },
    ]);
  }
  const images = await readDockerArchive(r.abs, imagePath);
  const entry = images.find((im) => im.repoTags.some(isRegistryLatest));
  if (!entry) {
    const tags = images.flatMap((im) => im.repoTags);
    throw new InputError(`The registry image archive ${JSON.stringify(imagePath)} does not provide ${REGISTRY_TAG}`, [
      {
        path: where,
        expected: `a "docker save" archive of an image tagged ${REGISTRY_TAG} (the driver runs that name)`,
        found: tags.length > 0 ? `an archive with the tags ${tags.join(', ')}` : 'an archive of untagged images',
        hint: `docker tag <image> ${REGISTRY_TAG} && docker save ${REGISTRY_TAG} -o ${imagePath}`,
      },
    ]);
  }
  const expectedId = imageIdFromConfigPath(entry.config);
  return { localPath: r.abs, label: imagePath, ...(expectedId ? { expectedId } : {}) };
}
