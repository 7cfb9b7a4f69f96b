// Starts the http span builders: server-spans.ts and client-spans.ts subscribe
// to the channels the hooks (and node:http itself) publish. Never patches.
import { getAgent } from '../../src/agent';
import { subscribeClientSpans } from './client-spans';
import { subscribeServerSpans } from './server-spans';
import { createHttpSettings } from './settings';

/** Subscribes the server and client span builders; a no-op without a running agent. */
export function subscribe(): void {
  const agent = getAgent();
  if (agent === undefined) return;
  const settings = createHttpSettings(agent);
  subscribeServerSpans(settings);
  subscribeClientSpans(settings);
}
