/** The project's test environment (test/env): bring it up when needed and read its facts. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export interface RegistryFacts {
  server: string;
  ip: string;
  port: number;
  fqdn: string;
  ca_file: string | null;
  username: string | null;
  password: string | null;
  hosts_line: string;
  image: string;
  connection_type: string;
}

export interface EnvFacts {
  clouds_yaml: string;
  auth_url: string;
  cloud_admin: string;
  cloud_demo: string;
  network_id: string;
  network_name: string;
  subnet_id: string;
  subnet_cidr: string;
  image_name: string;
  image_id: string;
  registries: { http: RegistryFacts; https: RegistryFacts };
  vm_user: string;
  vm_password: string;
}

export const ENV_SH = join(ROOT, 'test', 'env', 'env.sh');

let cached: EnvFacts | undefined;

/** Make sure the environment is up (starting it takes minutes the first time) and return its facts. */
export function ensureEnv(): EnvFacts {
  if (cached) return cached;
  const status = spawnSync('bash', [ENV_SH, 'status'], { stdio: 'ignore' });
  if (status.status !== 0) {
    const t0 = Date.now();
    process.stderr.write('# test environment is not up: running test/env/env.sh up\n');
    execFileSync('bash', [ENV_SH, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
    process.stderr.write(`# test environment came up in ${Math.round((Date.now() - t0) / 1000)} s\n`);
  }
  cached = JSON.parse(execFileSync('bash', [ENV_SH, 'facts'], { encoding: 'utf8' })) as EnvFacts;
  return cached;
}

/** Environment variables that point the CLI at the test cloud as the demo user. */
export function cloudEnv(f: EnvFacts, cloud = f.cloud_demo): NodeJS.ProcessEnv {
  return { OS_CLIENT_CONFIG_FILE: f.clouds_yaml, OS_CLOUD: cloud };
}

export function readJsonFile<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
