// The explicit registry of every instrumentation spanwise ships (no discovery).
import { express } from './express';
import { fetch } from './fetch';
import { http } from './http';
import { pg } from './pg';
import type { Instrumentation } from './types';

/** All instrumentations, in the order their hooks are installed. */
export const INSTRUMENTATIONS: readonly Instrumentation[] = [http, fetch, pg, express];
