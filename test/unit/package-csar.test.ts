/**
 * extractCsar() / openPackage(): a zipped sample reads the same as the directory; unsafe
 * archives (`..` entries, absolute paths, symbolic links, too big, too many entries, not a zip)
 * are refused before anything is written.
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { CliError, InputError, type InputProblem } from '../../src/lib/errors.js';
import { extractCsar } from '../../src/lib/package/csar.js';
import { openPackage, readPackage } from '../../src/lib/package/reader.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLES = {
  registry: join(repo, 'samples', 'private-registry-vnf-package'),
  k8s: join(repo, 'samples', 'kubernetes-cluster-vnf-package'),
};

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'vnflcm-csar-'));
  temps.push(d);
  return d;
}

interface ZipEntry {
  name: string;
  data?: Buffer;
  mode?: number;
  compress?: boolean;
}

async function makeZip(file: string, entries: ZipEntry[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.data === undefined) zip.addEmptyDirectory(e.name, { mtime: new Date(0) });
    else zip.addBuffer(e.data, e.name, { mtime: new Date(0), mode: e.mode ?? 0o100644, compress: e.compress ?? true });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

/** yazl refuses unsafe names; write a same-length safe name and patch the bytes afterwards. */
async function patchName(file: string, from: string, to: string): Promise<void> {
  assert.equal(from.length, to.length);
  const buf = await readFile(file);
  const a = Buffer.from(from);
  let n = 0;
  for (let i = buf.indexOf(a); i !== -1; i = buf.indexOf(a, i + 1)) {
    Buffer.from(to).copy(buf, i);
    n += 1;
  }
  assert.equal(n, 2, 'name in the local header and the central directory');
  await writeFile(file, buf);
}

async function rejectsWith(p: Promise<unknown>, label: string, problems: InputProblem[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.exitCode, 3);
    assert.deepEqual(err.problems, problems);
    assert.equal(err.message.split('\n')[0], `Invalid VNF package ${label}`);
    return true;
  });
}

async function zipOfSample(dir: string, file: string): Promise<void> {
  const pkg = await readPackage(dir);
  const entries: ZipEntry[] = [{ name: 'TOSCA-Metadata/' }];
  for (const f of pkg.files) entries.push({ name: f, data: await readFile(join(dir, f)) });
  await makeZip(file, entries);
}

describe('a CSAR (.zip) of a sample reads the same as the directory', () => {
  for (const [name, dir] of Object.entries(SAMPLES)) {
    it(name, async () => {
      const t = await tempDir();
      const zipPath = join(t, `${name}.zip`);
      await zipOfSample(dir, zipPath);
      const fromDir = await readPackage(dir);
      const fromZip = await openPackage(zipPath, join(t, 'extracted'));
      assert.equal(fromZip.root, join(t, 'extracted'));
      assert.deepEqual({ ...fromZip, root: '' }, { ...fromDir, root: '' });
    });
  }

  it('zip errors name the zip (openPackage)', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'registry.zip');
    await zipOfSample(SAMPLES.registry, zipPath);
    // drop the top VNFD from a copy: the error title names the .zip, not the temp dir
    const broken = join(t, 'broken.zip');
    const pkg = await readPackage(SAMPLES.registry);
    const entries: ZipEntry[] = [];
    for (const f of pkg.files) if (f !== 'Definitions/sample_vnfd_top.yaml') entries.push({ name: f, data: await readFile(join(SAMPLES.registry, f)) });
    await makeZip(broken, entries);
    await rejectsWith(openPackage(broken, join(t, 'x')), broken, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta: Entry-Definitions',
        expected: 'the package-relative path of the top VNFD',
        found: '"Definitions/sample_vnfd_top.yaml" (no such file)',
      },
    ]);
  });
});

describe('a zip of the package directory instead of its content', () => {
  it('says so in the hint', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'wrapped.zip');
    const pkg = await readPackage(SAMPLES.registry);
    const entries: ZipEntry[] = [];
    for (const f of pkg.files) entries.push({ name: `private-registry-vnf-package/${f}`, data: await readFile(join(SAMPLES.registry, f)) });
    await makeZip(zipPath, entries);
    await rejectsWith(openPackage(zipPath, join(t, 'x')), zipPath, [
      {
        path: 'TOSCA-Metadata/TOSCA.meta',
        expected: 'the TOSCA.meta file of the package',
        found: 'no such file',
        hint: 'the package is inside the directory "private-registry-vnf-package/"; zip the content of that directory (TOSCA-Metadata/ at the top), not the directory itself',
      },
    ]);
  });
});

describe('unsafe archives', () => {
  it('an entry with ../ is refused and nothing is written', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'evil.zip');
    await makeZip(zipPath, [
      { name: 'TOSCA-Metadata/TOSCA.meta', data: Buffer.from('x') },
      { name: 'zz/evil.txt', data: Buffer.from('pwned') },
    ]);
    await patchName(zipPath, 'zz/evil.txt', '../evil.txt');
    const dest = join(t, 'out');
    await rejectsWith(extractCsar(zipPath, dest), zipPath, [
      { path: '../evil.txt', expected: 'a relative path inside the package', found: 'a path that leaves it (".." segment)' },
    ]);
    assert.deepEqual(await readdir(t), ['evil.zip']);
  });

  it('an entry with a nested ../ that still leaves the root', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'evil.zip');
    await makeZip(zipPath, [{ name: 'a/zz/zz/evil.txt', data: Buffer.from('pwned') }]);
    await patchName(zipPath, 'a/zz/zz/evil.txt', 'a/../../evil.txt');
    await rejectsWith(extractCsar(zipPath, join(t, 'out')), zipPath, [
      { path: 'a/../../evil.txt', expected: 'a relative path inside the package', found: 'a path that leaves it (".." segment)' },
    ]);
  });

  it('an absolute path is refused', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'abs.zip');
    await makeZip(zipPath, [{ name: 'x/tmp/evil.txt', data: Buffer.from('pwned') }]);
    await patchName(zipPath, 'x/tmp/evil.txt', '//tmp/evil.txt');
    await rejectsWith(extractCsar(zipPath, join(t, 'out')), zipPath, [
      { path: '//tmp/evil.txt', expected: 'a relative path inside the package', found: 'an absolute path' },
    ]);
  });

  it('a symbolic link entry is refused', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'link.zip');
    await makeZip(zipPath, [
      { name: 'TOSCA-Metadata/TOSCA.meta', data: Buffer.from('x') },
      { name: 'Files/passwd', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
    ]);
    await rejectsWith(extractCsar(zipPath, join(t, 'out')), zipPath, [
      {
        path: 'Files/passwd',
        expected: 'a regular file or directory',
        found: 'a symbolic link',
        hint: 'a CSAR must not contain links; put the file itself into the archive',
      },
    ]);
  });

  it('too much uncompressed data (zip bomb) is refused', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'bomb.zip');
    await makeZip(zipPath, [
      { name: 'a', data: Buffer.alloc(3000) },
      { name: 'b', data: Buffer.alloc(3000) },
    ]);
    await rejectsWith(extractCsar(zipPath, join(t, 'out'), { maxTotalBytes: 4096 }), zipPath, [
      { path: 'bomb.zip', expected: 'at most 4 KiB uncompressed in total', found: '5.9 KiB', hint: 'the archive looks like a zip bomb' },
    ]);
  });

  it('too many entries are refused', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'many.zip');
    await makeZip(zipPath, ['a', 'b', 'c', 'd'].map((name) => ({ name, data: Buffer.from(name) })));
    await rejectsWith(extractCsar(zipPath, join(t, 'out'), { maxEntries: 3 }), zipPath, [
      { path: 'many.zip', expected: 'at most 3 entries', found: '4 entries', hint: 'the archive looks like a zip bomb' },
    ]);
  });

  it('a file that is not a zip', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'not.zip');
    await writeFile(zipPath, 'hello');
    await rejectsWith(extractCsar(zipPath, join(t, 'out')), zipPath, [
      { path: 'not.zip', expected: 'a ZIP archive (CSAR)', found: 'a file that is not a ZIP archive (or a truncated one)' },
    ]);
  });

  it('refuses a destination that is not empty', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'ok.zip');
    await makeZip(zipPath, [{ name: 'a', data: Buffer.from('a') }]);
    const dest = join(t, 'out');
    await mkdir(dest);
    await writeFile(join(dest, 'x'), 'x');
    await assert.rejects(extractCsar(zipPath, dest), (err: unknown) => {
      assert.ok(err instanceof CliError && !(err instanceof InputError));
      assert.equal(err.message, `Cannot extract the VNF package into ${dest}: the directory is not empty`);
      return true;
    });
  });

  it('extracts stored and deflated files and empty directories', async () => {
    const t = await tempDir();
    const zipPath = join(t, 'ok.zip');
    await makeZip(zipPath, [
      { name: 'dir/' },
      { name: 'dir/stored.txt', data: Buffer.from('stored'), compress: false },
      { name: 'deflated.txt', data: Buffer.from('deflated '.repeat(100)) },
      { name: './dot/x.txt', data: Buffer.from('x') },
    ]);
    const dest = join(t, 'out');
    await extractCsar(zipPath, dest);
    assert.equal(await readFile(join(dest, 'dir', 'stored.txt'), 'utf8'), 'stored');
    assert.equal(await readFile(join(dest, 'deflated.txt'), 'utf8'), 'deflated '.repeat(100));
    assert.equal(await readFile(join(dest, 'dot', 'x.txt'), 'utf8'), 'x');
  });
});
