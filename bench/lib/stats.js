'use strict';
// Small statistics and formatting helpers shared by the benchmark suites.

/** The median of a list of numbers (NaN for an empty list). */
function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** The spread of a list as (max - min) / median, a rough noise indicator. */
function spread(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length < 2) return 0;
  const m = median(xs);
  return m === 0 ? 0 : (Math.max(...xs) - Math.min(...xs)) / Math.abs(m);
}

/** Formats a number with thousands separators and `digits` decimals. */
function fmt(n, digits = 0) {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats a ratio as e.g. "2.31x". */
function ratio(n) {
  return Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a';
}

/** Formats a fraction as a percentage, e.g. "87.4%". */
function pct(n) {
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a';
}

/** Renders rows (arrays of strings) as a plain-text table with a header row. */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0]), rule, ...all.slice(1).map(line)].join('\n');
}

/** "PASS" or "MISS" with the target, for the verdict column. */
function verdict(ok, target) {
  return `${ok ? 'PASS' : 'MISS'} (${target})`;
}

module.exports = { median, spread, fmt, ratio, pct, table, verdict };
