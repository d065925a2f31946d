import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PackedPackage {
  name: string;
  version: string;
  /** package.json as packed: pnpm has turned `workspace:^` into real ranges. */
  manifest: Record<string, unknown>;
  file: string;
  tarball: Buffer;
}

/** `pnpm pack` of a workspace package, the way it would be published. */
export async function pack(directory: string, destination: string): Promise<PackedPackage> {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination], { cwd: directory });
  const file = stdout.trim().split('\n').filter((line) => line.endsWith('.tgz')).at(-1);
  if (!file) throw new Error(`pnpm pack in ${directory} named no tarball:\n${stdout}`);
  const { stdout: manifestText } = await run('tar', ['-xzOf', file, 'package/package.json']);
  const manifest = JSON.parse(manifestText) as { name: string; version: string };
  return { name: manifest.name, version: manifest.version, manifest, file, tarball: readFileSync(file) };
}

export interface Registry {
  url: string;
  /** What npm asked for, for a failing test's message. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * The smallest npm registry that `npm install` accepts, on loopback, for the packages given: a packument per
 * name (`GET /@pool%2fcore`) and the tarballs. Every other name is a 404: point only a scope at it.
 */
export async function startRegistry(packages: PackedPackage[]): Promise<Registry> {
  const requests: string[] = [];
  let base = '';
  const byName = new Map(packages.map((entry) => [entry.name, entry]));
  const byFile = new Map(packages.map((entry) => [basename(entry.file), entry]));
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname).slice(1);
    requests.push(`${request.method} /${path}`);
    const packed = byName.get(path);
    if (packed) {
      const version = {
        ...packed.manifest,
        _id: `${packed.name}@${packed.version}`,
        dist: {
          tarball: `${base}tarballs/${basename(packed.file)}`,
          integrity: `sha512-${createHash('sha512').update(packed.tarball).digest('base64')}`,
          shasum: createHash('sha1').update(packed.tarball).digest('hex'),
        },
      };
      const packument = { _id: packed.name, name: packed.name, 'dist-tags': { latest: packed.version }, versions: { [packed.version]: version } };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
      return;
    }
    const tarball = path.startsWith('tarballs/') ? byFile.get(path.slice('tarballs/'.length)) : undefined;
    if (tarball) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.tarball.length }).end(tarball.tarball);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
