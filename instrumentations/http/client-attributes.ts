// The attributes of an HTTP CLIENT span that are known once node:http has built
// the ClientRequest (semconv "HTTP client span"). Only built for recording spans.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { ClientRequestMessage } from './channels';
import { requestEndpoint } from './request-args';
import { ATTR, defaultPort, protocolVersion, setMethodAttributes, type HttpMethod } from './semconv';
import { REDACTED, redactUrl, type QueryRedactor } from './url';

/** Builds the request attributes of a client span from the request Node built. */
export function clientRequestAttributes(
  request: ClientRequest, message: ClientRequestMessage, method: HttpMethod, redactQuery: QueryRedactor,
): Attributes {
  const attributes: Attributes = {};
  setMethodAttributes(attributes, method);
  const protocol = typeof request.protocol === 'string' ? request.protocol : message.protocol;
  const agentPort = (request as { agent?: { defaultPort?: unknown } }).agent?.defaultPort;
  const endpoint = requestEndpoint(message.args, protocol, agentPort);
  const host = typeof request.host === 'string' && request.host !== '' ? request.host : 'localhost';
  if (endpoint.socketPath !== undefined) {
    attributes[ATTR.serverAddress] = endpoint.socketPath;
  } else {
    attributes[ATTR.serverAddress] = host;
    attributes[ATTR.serverPort] = endpoint.port;
  }
  // url.full: the absolute URL requested; credentials never appear (semconv url.full).
  const authority = (host.indexOf(':') === -1 ? host : '[' + host + ']') +
    (endpoint.port === defaultPort(protocol) ? '' : ':' + endpoint.port);
  const userinfo = endpoint.hasCredentials ? REDACTED + ':' + REDACTED + '@' : '';
  const path = typeof request.path === 'string' ? request.path : '/';
  attributes[ATTR.urlFull] = redactUrl(protocol + '//' + userinfo + authority + path, redactQuery);
  return attributes;
}

/** The attributes learnt from the response head: status code, protocol version, peer. */
export function clientResponseAttributes(request: ClientRequest, response: IncomingMessage): Attributes {
  const attributes: Attributes = {};
  if (typeof response.statusCode === 'number') attributes[ATTR.statusCode] = response.statusCode;
  const version = protocolVersion(response.httpVersion);
  if (version !== undefined) attributes[ATTR.protocolVersion] = version;
  const socket = response.socket ?? request.socket;
  const address = socket?.remoteAddress;
  if (typeof address === 'string') {
    attributes[ATTR.peerAddress] = address;
    if (typeof socket?.remotePort === 'number') attributes[ATTR.peerPort] = socket.remotePort;
  }
  return attributes;
}
