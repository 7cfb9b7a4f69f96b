// The resource that describes this process. Detection reads only local facts
// (env, package.json, process, os); it never makes a network call.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import type { Config } from './config';
import type { ResourceData } from './span-data';

/** The version of spanwise, read from its package.json. */
export const SDK_VERSION: string = readSdkVersion();

/** Walks up from this file (dist/src or the dist bundle) to spanwise's own package.json. */
function readSdkVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'spanwise' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: go up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

interface AppPackage {
  name?: string;
  version?: string;
}

/** Finds the nearest package.json above the app's entry script (process.argv[1]). */
function findAppPackage(): AppPackage {
  const entry = process.argv[1];
  if (!entry) return {};
  let dir = dirname(resolve(entry));
  for (let i = 0; i < 32; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg && typeof pkg === 'object') return { name: str(pkg.name), version: str(pkg.version) };
    } catch {
      // not here: go up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Builds the resource. service.name precedence (SDK spec, "Resource" and
 * "Environment variables"): OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES,
 * then the app's package.json name, then unknown_service:node.
 */
export function detectResource(config: Pick<Config, 'serviceName' | 'resourceAttributes'>): ResourceData {
  const app = findAppPackage();
  const attributes: Attributes = {
    'telemetry.sdk.name': 'spanwise',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': SDK_VERSION,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
    'process.executable.name': process.title,
    'process.executable.path': process.execPath,
    'process.command': process.argv[1] ?? '',
    'process.command_args': process.argv.slice(),
    'host.name': safeHostname(),
    'host.arch': process.arch,
    'os.type': process.platform,
  };
  if (app.version !== undefined) attributes['service.version'] = app.version;
  Object.assign(attributes, config.resourceAttributes);
  attributes['service.name'] = config.serviceName
    ?? config.resourceAttributes['service.name']
    ?? app.name
    ?? 'unknown_service:node';
  return Object.freeze({ attributes: Object.freeze(attributes) });
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return 'unknown';
  }
}
