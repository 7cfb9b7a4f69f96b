// Version gating. Our own ranges are plain `>=A.B.C <D` comparator sets, which a
// few lines check; anything richer goes to semver. Loading semver costs about
// 10 ms of start-up (it compiles dozens of regular expressions), which is a
// third of the budget spanwise allows itself.

const PLAIN_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
const PLAIN_COMPARATOR = /^(>=|<=|>|<|=)?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Checks plain comparator sets; undefined when the range or version needs semver. */
function plainSatisfies(version: string, range: string): boolean | undefined {
  const v = PLAIN_VERSION.exec(version);
  if (v === null) return undefined;
  const have = [Number(v[1]), Number(v[2]), Number(v[3])];
  const parts = range.trim().split(/\s+/).map((part) => PLAIN_COMPARATOR.exec(part));
  // Anything but plain comparators (||, ^, ~, x-ranges, bare versions) goes to semver,
  // and so do partial versions after > and <= (`>8` means >=9.0.0 there).
  const partialOk = (c: RegExpExecArray) => c[4] !== undefined || c[1] === '>=' || c[1] === '<';
  if (parts.some((c) => c === null || c[1] === undefined || !partialOk(c))) return undefined;
  for (const c of parts as RegExpExecArray[]) {
    const want = [Number(c[2]), Number(c[3] ?? 0), Number(c[4] ?? 0)];
    const d = compare(have, want);
    const ok = c[1] === '>=' ? d >= 0 : c[1] === '<=' ? d <= 0 : c[1] === '>' ? d > 0 : c[1] === '<' ? d < 0 : d === 0;
    if (!ok) return false;
  }
  return true;
}

/** True when `version` is inside `range` (semver semantics, prereleases included). */
export function versionSatisfies(version: string, range: string): boolean {
  const plain = plainSatisfies(version, range);
  if (plain !== undefined) return plain;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const satisfies = require('semver/functions/satisfies') as typeof import('semver').satisfies;
  return satisfies(version, range, { includePrerelease: true });
}
