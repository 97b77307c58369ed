// Reads meaning into CSV columns: which one holds the text, and whether gold labels are there.

/** Column names that usually hold the text, best first (compared case-insensitively). */
export const TEXT_COLUMN_NAMES = [
  'text',
  'sentence',
  'content',
  'body',
  'message',
  'comment',
  'review',
  'description',
  'document',
  'tweet',
  'title',
] as const;

/** Column names of one delimited gold-labels column (compared case-insensitively). */
export const LABELS_COLUMN_NAMES = ['labels', 'label', 'gold_labels', 'gold', 'categories', 'category', 'tags', 'topics'] as const;

/** Delimiters tried in a labels cell, in this order (as model-export's data loader). */
export const LABEL_DELIMITERS = ['|', ';', ','] as const;

/** Cell values read as 1 / 0 in a 0/1 gold column. */
const TRUE_VALUES = ['1', '1.0', 'true', 'yes', 'y'] as const;
const FALSE_VALUES = ['0', '0.0', 'false', 'no', 'n', ''] as const;

const SAMPLE_ROWS = 200;

function looksNumeric(value: string): boolean {
  const v = value.trim();
  return v !== '' && Number.isFinite(Number(v));
}

/**
 * How much a column reads as text: the mean length of its cells (first rows), or 0 when
 * more than half of them are numbers or all are empty. Above 0 means "looks like text".
 */
function textScore(rows: readonly (readonly string[])[], column: number): number {
  const sample = rows.slice(0, SAMPLE_ROWS);
  let length = 0;
  let numeric = 0;
  for (const row of sample) {
    const v = row[column] ?? '';
    length += v.length;
    if (looksNumeric(v)) numeric++;
  }
  return numeric > sample.length / 2 ? 0 : length / Math.max(1, sample.length);
}

/** Whether a column's cells read as text: not mostly numbers, not all empty. */
export function looksLikeText(rows: readonly (readonly string[])[], column: number): boolean {
  return textScore(rows, column) > 0;
}

/**
 * The column most likely to hold the text: a well-known name if that column looks like
 * text, else the column that looks most like text (longest cells on average), else the
 * first column. When the answer does not look like text, no column does.
 */
export function guessTextColumn(header: readonly string[], rows: readonly (readonly string[])[]): number {
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const name of TEXT_COLUMN_NAMES) {
    const i = lower.indexOf(name);
    if (i >= 0 && looksLikeText(rows, i)) return i;
  }
  let best = 0;
  let bestScore = -1;
  header.forEach((_, c) => {
    const score = textScore(rows, c);
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  });
  return best;
}

/** The warning for a table where no column looks like text (numbers or empty cells only); null otherwise. */
export function noTextColumnWarning(header: readonly string[], rows: readonly (readonly string[])[]): string | null {
  if (header.some((_, c) => looksLikeText(rows, c))) return null;
  return `No column looks like text: every column holds numbers or nothing. Check that this is the right file, or pick the column to label under Text column.`;
}

/** Splits a labels cell on the first delimiter it contains (| then ; then ,), trimming names. */
export function splitLabels(cell: string): string[] {
  const value = cell.trim();
  if (!value) return [];
  for (const d of LABEL_DELIMITERS) {
    if (value.includes(d)) return value.split(d).map((p) => p.trim()).filter(Boolean);
  }
  return [value];
}

/** Parses a 0/1 cell: 1, 0, or null when the value is neither. */
export function parseBinary(cell: string): 0 | 1 | null {
  const v = cell.trim().toLowerCase();
  if ((TRUE_VALUES as readonly string[]).includes(v)) return 1;
  if ((FALSE_VALUES as readonly string[]).includes(v)) return 0;
  return null;
}

/** Where the gold labels are in the CSV. */
export type GoldSource =
  | { kind: 'columns'; columns: Record<string, number> }
  | { kind: 'delimited'; column: number };

/** Gold labels read from the CSV for the labels that can be evaluated. */
export interface Gold {
  source: GoldSource;
  /** Labels with gold, in the order of the label list given. */
  labels: string[];
  /** One 0/1 column per entry of `labels`, over all CSV rows. */
  y: Uint8Array[];
  /** What the user should know: labels not evaluated, unknown names, unusable columns. */
  notes: string[];
}

/**
 * Finds gold labels: 0/1 columns named as labels (case-insensitive), else one
 * delimited labels column (e.g. "Technology|Health"). Returns null when there are none.
 * `textColumn` is never taken as gold.
 */
export function detectGold(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  labelNames: readonly string[],
  textColumn: number,
): Gold | null {
  const lower = header.map((h) => h.trim().toLowerCase());
  const notes: string[] = [];

  // 1. One 0/1 column per label.
  const columns: Record<string, number> = {};
  const y: Uint8Array[] = [];
  const evaluated: string[] = [];
  for (const name of labelNames) {
    const c = lower.indexOf(name.trim().toLowerCase());
    if (c < 0 || c === textColumn) continue;
    const col = new Uint8Array(rows.length);
    let bad = -1;
    for (let i = 0; i < rows.length; i++) {
      const v = parseBinary(rows[i]![c] ?? '');
      if (v === null) {
        bad = i;
        break;
      }
      col[i] = v;
    }
    if (bad >= 0) {
      notes.push(
        `Column '${header[c]}' is not used as gold: row ${bad + 2} holds '${rows[bad]![c]}', not 0 or 1.`,
      );
      continue;
    }
    columns[name] = c;
    y.push(col);
    evaluated.push(name);
  }
  if (evaluated.length > 0) {
    const missing = labelNames.filter((n) => !evaluated.includes(n));
    if (missing.length) notes.push(`Not evaluated (no 0/1 column): ${missing.join(', ')}.`);
    return { source: { kind: 'columns', columns }, labels: evaluated, y, notes };
  }

  // 2. One delimited labels column.
  const c = LABELS_COLUMN_NAMES.map((n) => lower.indexOf(n)).find((i) => i >= 0 && i !== textColumn);
  if (c === undefined) return null;
  const index = new Map(labelNames.map((n, j) => [n.trim().toLowerCase(), j]));
  const cols = labelNames.map(() => new Uint8Array(rows.length));
  const unknown = new Map<string, number>();
  let known = 0;
  for (let i = 0; i < rows.length; i++) {
    for (const name of splitLabels(rows[i]![c] ?? '')) {
      const j = index.get(name.toLowerCase());
      if (j === undefined) unknown.set(name, (unknown.get(name) ?? 0) + 1);
      else {
        cols[j]![i] = 1;
        known++;
      }
    }
  }
  if (known === 0) {
    notes.push(`Column '${header[c]}' names none of the current labels, so it is not used as gold.`);
    return null;
  }
  const keep = labelNames.map((_, j) => cols[j]!.some((v) => v === 1));
  const without = labelNames.filter((_, j) => !keep[j]);
  if (without.length) notes.push(`Not evaluated (no row has it in '${header[c]}'): ${without.join(', ')}.`);
  if (unknown.size) {
    const names = [...unknown.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, k]) => `${n} (${k})`);
    notes.push(`Gold labels that are not current labels were ignored: ${names.join(', ')}${unknown.size > 5 ? ', …' : ''}. Add them as labels to evaluate them.`);
  }
  return {
    source: { kind: 'delimited', column: c },
    labels: labelNames.filter((_, j) => keep[j]),
    y: cols.filter((_, j) => keep[j]),
    notes,
  };
}
