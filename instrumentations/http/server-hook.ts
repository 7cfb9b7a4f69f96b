// Patches the emit of http.Server and https.Server (prototype level, so CommonJS
// and ESM apps share it): each request is published on serverRequestChannel's
// start, and the handler runs in the context the subscriber chose (src/channels.ts,
// publishAndRun); a synchronous throw is published on its error channel. It
// publishes only; server-spans.ts builds the span and chooses the context.
import { publishAndRun } from '../../src/channels';
import { isActive } from '../../src/guard';
import { wrapMethod } from '../../src/hooks/wrap';
import { serverRequestChannel, type ServerRequestMessage } from './channels';

/** Servers carrying this symbol (the in-process OTLP receiver) are never traced. */
export const UNTRACED_SERVER = Symbol.for('spanwise.untraced');

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

/** Wraps `Server.prototype.emit` of node:http or node:https; idempotent. */
export function patchServer(Server: unknown): void {
  const prototype = typeof Server === 'function' ? (Server as { prototype?: unknown }).prototype : undefined;
  if (prototype === null || typeof prototype !== 'object') return;
  wrapMethod(prototype as { emit: Emit }, 'emit', wrapEmit);
}

/**
 * `checkContinue` and `checkExpectation` replace `request` when the app listens
 * for them (Expect header); the handler may then emit `request` itself, which
 * server-spans.ts recognises as the same request.
 */
function isRequestEvent(event: unknown): boolean {
  return event === 'request' || event === 'checkContinue' || event === 'checkExpectation';
}

/**
 * True when node:http's parser is dispatching `request` itself: it calls emit
 * from its headers-complete callback, inside a callback scope that puts the
 * context back when it closes, with `socket.parser.incoming` set to this request
 * (ContextChoice scopeRestores). Not for an app emitting a request of its own.
 */
function isParserDispatch(request: unknown): boolean {
  const socket = (request as { socket?: { parser?: { incoming?: unknown } | null } | null } | null | undefined)?.socket;
  // `request !== undefined` first: a missing request would match a parser with no incoming one.
  return request !== undefined && socket?.parser?.incoming === request;
}

function wrapEmit(original: Emit): Emit {
  return function emit(this: unknown, event: string | symbol) {
    if (
      !isRequestEvent(event) ||
      !serverRequestChannel.start.hasSubscribers ||
      !isActive('http') ||
      this === null ||
      typeof this !== 'object' ||
      (this as Record<symbol, unknown>)[UNTRACED_SERVER] === true
    ) {
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, arguments as unknown as Parameters<Emit>);
    }
    // eslint-disable-next-line prefer-rest-params
    const args = arguments;
    const message: ServerRequestMessage = {
      event: event as string,
      request: args[1],
      response: args[2],
      scopeRestores: isParserDispatch(args[1]),
    };
    try {
      return publishAndRun(serverRequestChannel.start, message, original, this, args);
    } catch (error) {
      message.error = error;
      if (serverRequestChannel.error.hasSubscribers) serverRequestChannel.error.publish(message);
      throw error;
    }
  };
}
