// Number and duration formatting shared by the display components.
import type { VariantFacts } from '../engine/info';
import type { CheckKind } from '../engine/bundle';

/** A score with `digits` decimals; an em dash for null/NaN. */
export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
}

/** Full-precision text for data-* attributes (empty for null/NaN). */
export function raw(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '' : String(x);
}

/** "850 ms", "12.3 s", "4 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

/**
 * "1,234": a count with its digits grouped by three, as `toLocaleString('en-US')` writes it, but
 * without Intl for whole numbers: Intl's first use on a page loads ICU data (measured: 363 ms of the
 * main thread when a CSV's row count is first shown), and each call builds a formatter (docs/benchmarks.md, "Main thread").
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  return (n < 0 ? '-' : '') + String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * What the exporter measured of a variant, in words: "decisions as fp32 on 64/64 reference texts",
 * "run one text at a time" when its scores would depend on the batch, "not recommended" when it
 * missed the exporter's bounds.
 */
export function variantQuality(v: VariantFacts): string {
  const parts = [`decisions as fp32 on ${v.textsAgreeing}/${v.texts} reference texts`, `max |Δ| ${v.maxEntailmentError.toPrecision(2)}`];
  if (v.runAlone) parts.push('runs one text at a time (its scores would depend on the batch)');
  if (!v.recommended) parts.push('not recommended');
  return parts.join(' · ');
}

/**
 * What a load checked, in one line: every file by size, and by hash where `against` gave one
 * (sha256, or the git blob id the Hub lists for files outside LFS).
 */
export function checkSummary(files: ReadonlyArray<{ checked: CheckKind }>, against: string): string {
  const count = (kind: CheckKind) => files.filter((f) => f.checked === kind).length;
  const [sha, git, size] = [count('sha256'), count('git-sha1'), count('size')];
  const head = `${files.length} file${files.length === 1 ? '' : 's'} checked against ${against}`;
  if (size === files.length) return `${head}: sizes only (it gave no hashes)`;
  const hashes = [sha > 0 ? `sha256 of ${sha}` : '', git > 0 ? `git blob id of ${git}` : ''].filter(Boolean).join(' and ');
  return `${head}: sizes, and ${hashes}${size > 0 ? `; ${size} by size only (no hash given)` : ''}`;
}
