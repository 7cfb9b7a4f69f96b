// The http instrumentation: SERVER spans for node:http and node:https servers,
// CLIENT spans for http(s).request/get, with W3C propagation both ways (issue 4).
import type { Instrumentation } from '../types';

/** Patches and span builders load only when the preload installs them. */
export const http: Instrumentation = {
  name: 'http',
  targets: [
    // Built-ins follow the Node version; spanwise supports the Node versions the preload accepts.
    { module: 'http', versions: '>=20.6.0', load: () => require('./hook').patchHttp },
    { module: 'https', versions: '>=20.6.0', load: () => require('./hook').patchHttps },
  ],
  subscribe: () => require('./spans').subscribe(),
};
