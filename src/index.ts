// The public entry of the package: the agent lifecycle, and the OTLP receiver
// and waterfall renderer that the demo and the trace viewer build on.
export { getAgent, startAgent, type Agent } from './agent';
export { readConfig, type Config } from './config';
export { renderWaterfall } from './export/waterfall';
export { startOtlpReceiver, type OtlpReceiver } from './export/otlp-receiver';
export type { FinishedSpan } from './span-data';

import { getAgent } from './agent';

/** Flushes every queued span and stops the agent. Safe to call when it never started. */
export async function shutdown(): Promise<void> {
  await getAgent()?.shutdown();
}
