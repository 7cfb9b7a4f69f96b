// The patches the preload applies to the built-ins node:http and node:https:
// server emit (server-hook.ts) and client request/get (client-hook.ts).
import { patchClient, type ClientModule } from './client-hook';
import { patchServer } from './server-hook';

type HttpModule = ClientModule & { Server?: unknown };

/** Patches node:http in place. */
export function patchHttp(exports: HttpModule): void {
  patchServer(exports.Server);
  patchClient(exports, 'http:');
}

/** Patches node:https in place. */
export function patchHttps(exports: HttpModule): void {
  patchServer(exports.Server);
  patchClient(exports, 'https:');
}
