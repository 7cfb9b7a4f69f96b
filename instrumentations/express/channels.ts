// The diagnostics channels between the express hook (publisher) and the span
// builder (subscriber), declared once with their message shapes. On both, the
// subscriber may choose (ContextChoice) the context the layer, and later the
// `next` it calls, runs in.
import dc from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Span } from '@opentelemetry/api';
import type { ContextChoice } from '../../src/channels';

/** What a router layer is: OpenTelemetry's `express.type` values. */
export type LayerType = 'middleware' | 'router' | 'request_handler';

/** One request's routing state, shared by every message of that request. */
export interface RequestState {
  /** Owned by the hook: the route template of the mount paths entered so far (`/api/orders`). */
  prefix: string;
  /** Owned by the subscriber: layers whose span is still open (undefined until the first one). */
  open: LayerMessage[] | undefined;
  /** Owned by the subscriber: the last error recorded, so a re-forwarded error is recorded once. */
  lastError: unknown;
}

/** Published on `layerChannel` as a layer's function starts. */
export interface LayerMessage extends ContextChoice {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly request: RequestState;
  readonly type: LayerType;
  /** middleware: the function's name; router: its full mount path; request_handler: the route. */
  readonly name: string;
  /** The full route template (`/api/orders/:id`) for a request handler, else undefined. */
  readonly route: string | undefined;
  /** True when the layer runs as error-handling middleware (it received `error`). */
  readonly errorHandler: boolean;
  /** Owned by the subscriber: the layer's span, if it made one. */
  span: Span | undefined;
  /** Owned by the subscriber: the context the layer started in, where `next` continues. */
  parentContext: Context | undefined;
  /** Owned by the subscriber: true once the span has ended. */
  ended: boolean;
}

/** Published on `nextChannel` when a layer calls `next(argument)`. */
export interface NextMessage extends ContextChoice {
  readonly layer: LayerMessage;
  /** What the layer passed to next: undefined, an error, or the signals 'route' / 'router'. */
  readonly argument: unknown;
}

/** A layer's function is about to run. */
export const layerChannel = dc.channel('spanwise:express:layer');

/** A layer handed the request on by calling `next`. */
export const nextChannel = dc.channel('spanwise:express:next');
