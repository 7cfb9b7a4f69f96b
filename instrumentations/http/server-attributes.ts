// The attributes of an HTTP SERVER span known when the request arrives (semconv
// "HTTP server span"). Only built for recording spans.
import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { firstListItem, forwardedForAddress, forwardedScheme, parseForwarded, parseHostPort } from './forwarded';
import { ATTR, defaultPort, protocolVersion, setMethodAttributes, type HttpMethod } from './semconv';
import type { QueryRedactor, TargetParts } from './url';

/** Builds the request attributes of a server span. */
export function serverRequestAttributes(
  request: IncomingMessage, target: TargetParts, method: HttpMethod, redactQuery: QueryRedactor,
): Attributes {
  const headers = request.headers;
  const socket = request.socket as (IncomingMessage['socket'] & { encrypted?: boolean }) | null;
  // Reverse proxies: Forwarded (RFC 7239) first, then X-Forwarded-*, then the connection itself.
  const forwarded = headers.forwarded === undefined ? undefined : parseForwarded(headers.forwarded);
  const attributes: Attributes = {};
  setMethodAttributes(attributes, method);
  const scheme = forwardedScheme(forwarded?.proto) ??
    forwardedScheme(firstListItem(headers['x-forwarded-proto'])) ??
    (socket?.encrypted === true ? 'https' : 'http');
  attributes[ATTR.urlScheme] = scheme;
  attributes[ATTR.urlPath] = target.path;
  if (target.query !== undefined && target.query !== '') attributes[ATTR.urlQuery] = redactQuery(target.query);
  const host = parseHostPort(forwarded?.host) ??
    parseHostPort(firstListItem(headers['x-forwarded-host'])) ??
    parseHostPort(headerString(headers[':authority'] ?? headers.host));
  if (host !== undefined) {
    attributes[ATTR.serverAddress] = host.address;
    // A Host without a port implies the scheme's default (RFC 9110 §7.2).
    attributes[ATTR.serverPort] = host.port ?? defaultPort(scheme);
  }
  const peerAddress = socket?.remoteAddress;
  const clientAddress = forwardedForAddress(forwarded?.for) ?? firstListItem(headers['x-forwarded-for']) ?? peerAddress;
  if (clientAddress !== undefined) attributes[ATTR.clientAddress] = clientAddress;
  if (peerAddress !== undefined) {
    attributes[ATTR.peerAddress] = peerAddress;
    if (socket?.remotePort !== undefined) attributes[ATTR.peerPort] = socket.remotePort;
  }
  const version = protocolVersion(request.httpVersion);
  if (version !== undefined) attributes[ATTR.protocolVersion] = version;
  const userAgent = headers['user-agent'];
  if (typeof userAgent === 'string') attributes[ATTR.userAgent] = userAgent;
  return attributes;
}

function headerString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
