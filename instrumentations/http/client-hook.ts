// Wraps http.request/get and https.request/get so that each call runs inside
// clientRequestChannel.traceSync: client-spans.ts starts the span on `start` and
// says which headers to add; the original is then called once, with a copy of
// the options carrying those headers. It publishes only and never builds spans.
import { disableAfterError, isActive } from '../../src/guard';
import { wrapMethod } from '../../src/hooks/wrap';
import { clientRequestChannel, type ClientRequestMessage } from './channels';
import { argsWithHeaders } from './request-args';

type RequestFunction = (this: unknown, ...args: unknown[]) => unknown;

/** The request functions of node:http or node:https. */
export interface ClientModule {
  request?: RequestFunction;
  get?: RequestFunction;
}

/** Wraps `request` and `get` of node:http (`http:`) or node:https (`https:`); idempotent. */
export function patchClient(exports: ClientModule, protocol: 'http:' | 'https:'): void {
  // `get` calls the module's own `request` binding, not the export, so each call is wrapped once.
  wrapMethod(exports, 'request', (original) => wrapRequest(original, protocol));
  wrapMethod(exports, 'get', (original) => wrapRequest(original, protocol));
}

function wrapRequest(original: RequestFunction, protocol: 'http:' | 'https:'): RequestFunction {
  return function request(this: unknown) {
    if (!clientRequestChannel.start.hasSubscribers || !isActive('http')) {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as unknown[]);
    }
    // eslint-disable-next-line prefer-rest-params
    const message: ClientRequestMessage = { args: arguments, protocol };
    return clientRequestChannel.traceSync(callOriginal, message, this, original, message);
  };
}

/** Runs between start and end: the original, with the propagation headers when there are any. */
function callOriginal(this: unknown, original: RequestFunction, message: ClientRequestMessage): unknown {
  let args: ArrayLike<unknown> = message.args;
  if (message.inject !== undefined) {
    try {
      args = argsWithHeaders(args, message.inject) ?? args;
    } catch (err) {
      disableAfterError('http', err);
    }
  }
  return original.apply(this, args as unknown[]);
}
