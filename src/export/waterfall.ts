// Renders finished spans as the waterfall of the seed's order example: one
// block per trace, the span tree drawn with indentation guides, and a timing
// bar showing where in the trace each span ran. Pure: spans in, text out, so
// the console exporter and the demo (spans from many processes) share it.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { FinishedSpan } from '../span-data';

/** Rendering choices: bar width in columns, and ANSI colours. */
export interface WaterfallOptions {
  readonly width?: number;
  readonly color?: boolean;
}

interface Row {
  readonly span: FinishedSpan;
  /** Tree guides drawn before the span's label. */
  readonly lead: string;
}

interface Columns {
  readonly label: number;
  readonly kind: number;
  readonly duration: number;
  readonly status: number;
}

const DEFAULT_WIDTH = 30;
const MAX_WIDTH = 200;
// Wide enough for the demo's deepest rows (service - middleware - name at six levels).
const MAX_LABEL = 96;
const MAX_STATUS = 40;
const KIND_NAMES: Record<number, string> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};
const ANSI = { bold: '1', dim: '2', red: '31', green: '32', cyan: '36' } as const;

/**
 * Renders one or many traces. Spans are grouped by trace id; traces appear in
 * start order, each as a header line (trace id, duration, span count) and one
 * line per span. Malformed entries are skipped. Ends with a newline unless empty.
 */
export function renderWaterfall(spans: readonly FinishedSpan[], options: WaterfallOptions = {}): string {
  const width = clampWidth(options.width);
  const color = options.color === true;
  const traces = groupByTrace(spans);
  const blocks: string[] = [];
  for (const trace of traces) blocks.push(renderTrace(trace, width, color));
  return blocks.length === 0 ? '' : blocks.join('\n\n') + '\n';
}

/** Formats a duration in milliseconds: two decimals below 10 ms, whole milliseconds above. */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '0.00 ms';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

function clampWidth(width: number | undefined): number {
  if (typeof width !== 'number' || !Number.isFinite(width) || width < 1) return DEFAULT_WIDTH;
  return Math.min(MAX_WIDTH, Math.floor(width));
}

function isSpan(value: unknown): value is FinishedSpan {
  const span = value as FinishedSpan | null | undefined;
  return (
    span != null &&
    span.spanContext != null &&
    typeof span.spanContext.traceId === 'string' &&
    typeof span.startTime === 'number' &&
    typeof span.endTime === 'number'
  );
}

/** Spans grouped by trace id, each group sorted by start time, groups in order of their first start. */
function groupByTrace(spans: readonly FinishedSpan[]): FinishedSpan[][] {
  const byTrace = new Map<string, FinishedSpan[]>();
  if (!Array.isArray(spans)) return [];
  for (const span of spans) {
    if (!isSpan(span)) continue;
    const id = span.spanContext.traceId;
    const group = byTrace.get(id);
    if (group === undefined) byTrace.set(id, [span]);
    else group.push(span);
  }
  const groups = [...byTrace.values()];
  for (const group of groups) group.sort(byStart);
  return groups.sort((a, b) => a[0].startTime - b[0].startTime);
}

function byStart(a: FinishedSpan, b: FinishedSpan): number {
  return a.startTime - b.startTime;
}

/**
 * Depth-first rows of one trace. A span whose parent is not among `sorted`
 * starts a top-level tree; spans caught in a parent cycle (bad input) are
 * drawn at the top level too, so every span appears exactly once.
 */
function treeRows(sorted: readonly FinishedSpan[]): Row[] {
  const ids = new Set<string>();
  for (const span of sorted) ids.add(span.spanContext.spanId);
  const children = new Map<string, FinishedSpan[]>();
  const tops: FinishedSpan[] = [];
  for (const span of sorted) {
    const parent = span.parentSpanId;
    if (parent === undefined || parent === span.spanContext.spanId || !ids.has(parent)) {
      tops.push(span);
      continue;
    }
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [span]);
    else siblings.push(span);
  }
  const rows: Row[] = [];
  const seen = new Set<FinishedSpan>();
  for (const top of tops) walk(top, children, seen, rows);
  for (const span of sorted) if (!seen.has(span)) walk(span, children, seen, rows);
  return rows;
}

// Iterative, so a pathological 100,000-deep chain cannot overflow the stack.
function walk(top: FinishedSpan, children: Map<string, FinishedSpan[]>, seen: Set<FinishedSpan>, rows: Row[]): void {
  const stack: { span: FinishedSpan; lead: string; guide: string }[] = [{ span: top, lead: '', guide: '' }];
  while (stack.length > 0) {
    const { span, lead, guide } = stack.pop()!;
    if (seen.has(span)) continue;
    seen.add(span);
    rows.push({ span, lead });
    const kids = (children.get(span.spanContext.spanId) ?? []).filter((kid) => !seen.has(kid));
    for (let i = kids.length - 1; i >= 0; i--) {
      const more = i < kids.length - 1;
      stack.push({ span: kids[i], lead: guide + '+-- ', guide: guide + (more ? '|   ' : '    ') });
    }
  }
}

function renderTrace(sorted: readonly FinishedSpan[], width: number, color: boolean): string {
  const t0 = sorted[0].startTime;
  let end = t0;
  for (const span of sorted) if (span.endTime > end) end = span.endTime;
  const total = end - t0;
  const rows = treeRows(sorted);
  const cells = rows.map((row) => ({
    label: clip(row.lead + labelOf(row.span), MAX_LABEL),
    kind: KIND_NAMES[row.span.kind] ?? 'UNKNOWN',
    duration: formatDuration(row.span.endTime - row.span.startTime),
    status: clip(statusOf(row.span), MAX_STATUS),
  }));
  const columns: Columns = {
    label: maxLength(cells, 'label'),
    kind: maxLength(cells, 'kind'),
    duration: maxLength(cells, 'duration'),
    status: maxLength(cells, 'status'),
  };
  const count = sorted.length === 1 ? '1 span' : `${sorted.length} spans`;
  const header = paint(`Trace ${sorted[0].spanContext.traceId}  ${formatDuration(total)}  ${count}`, ANSI.bold, color);
  const lines = [header];
  for (let i = 0; i < rows.length; i++) {
    const bar = barOf(rows[i].span, t0, total, width);
    lines.push(renderLine(rows[i], cells[i], columns, bar, color));
  }
  return lines.join('\n');
}

function renderLine(
  row: Row,
  cell: { label: string; kind: string; duration: string; status: string },
  columns: Columns,
  bar: string,
  color: boolean,
): string {
  const code = row.span.status?.code;
  const tone = code === SpanStatusCode.ERROR ? ANSI.red : code === SpanStatusCode.OK ? ANSI.green : ANSI.cyan;
  const lead = Math.min(row.lead.length, cell.label.length);
  const label = paint(cell.label.slice(0, lead), ANSI.dim, color) + cell.label.slice(lead).padEnd(columns.label - lead);
  const status = columns.status === 0 ? '' : paint(cell.status.padEnd(columns.status), code === SpanStatusCode.ERROR ? ANSI.red : '', color) + '  ';
  return (
    `${label}  ${cell.kind.padEnd(columns.kind)}  ${cell.duration.padStart(columns.duration)}  ` +
    `${status}|${paint(bar, tone, color)}|`
  );
}

function labelOf(span: FinishedSpan): string {
  const service = span.resource?.attributes?.['service.name'];
  const name = typeof span.name === 'string' ? span.name : '';
  return `${typeof service === 'string' && service !== '' ? service : 'unknown_service'} - ${name}`;
}

function statusOf(span: FinishedSpan): string {
  const status = span.status;
  if (status == null) return '';
  if (status.code === SpanStatusCode.OK) return 'OK';
  if (status.code !== SpanStatusCode.ERROR) return '';
  return status.message ? `ERROR: ${status.message.replace(/\s+/g, ' ')}` : 'ERROR';
}

/** `width` columns with the span's share of the trace's time filled in; at least one column. */
function barOf(span: FinishedSpan, t0: number, total: number, width: number): string {
  if (!(total > 0)) return '█'.repeat(width);
  let from = Math.floor(((span.startTime - t0) / total) * width);
  let to = Math.ceil(((span.endTime - t0) / total) * width);
  from = Math.max(0, Math.min(width - 1, from));
  to = Math.max(from + 1, Math.min(width, to));
  return ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(width - to);
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 3) + '...' : text;
}

function maxLength<K extends string>(cells: readonly Record<K, string>[], key: K): number {
  let max = 0;
  for (const cell of cells) if (cell[key].length > max) max = cell[key].length;
  return max;
}

function paint(text: string, code: string, color: boolean): string {
  return color && code !== '' && text !== '' ? `\u001b[${code}m${text}\u001b[0m` : text;
}
