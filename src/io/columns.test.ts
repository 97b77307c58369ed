// Tests for the text-column guess and gold-label detection.
import { describe, expect, it } from 'vitest';
import { detectGold, guessTextColumn, noTextColumnWarning, parseBinary, splitLabels } from './columns';

const LABELS = ['Technology', 'Health', 'Finance'];

describe('guessTextColumn', () => {
  it('prefers well-known names, case-insensitively', () => {
    expect(guessTextColumn(['id', 'Sentence', 'labels'], [['1', 'hi', 'a']])).toBe(1);
    expect(guessTextColumn(['id', 'title', 'text'], [['1', 'a', 'b']])).toBe(2);
  });

  it('else picks the column with the longest non-numeric cells', () => {
    const rows = [
      ['123456789012345', 'short words here', 'x'],
      ['223456789012345', 'another longer sentence', 'y'],
    ];
    expect(guessTextColumn(['id', 'what', 'tag'], rows)).toBe(1);
  });

  it('passes over a well-known name whose cells are numbers, and says when no column looks like text', () => {
    const rows = [
      ['1', 'a long sentence of words'],
      ['2', 'another one'],
    ];
    expect(guessTextColumn(['text', 'body_2'], rows)).toBe(1);
    expect(noTextColumnWarning(['text', 'body_2'], rows)).toBeNull();
    const numbers = [
      ['1', '2.5', ''],
      ['3', '-4', ''],
    ];
    expect(guessTextColumn(['a', 'b', 'c'], numbers)).toBe(0);
    expect(noTextColumnWarning(['a', 'b', 'c'], numbers)).toMatch(/No column looks like text/);
  });
});

describe('splitLabels and parseBinary', () => {
  it('splits on the first delimiter found', () => {
    expect(splitLabels(' Technology | Health ')).toEqual(['Technology', 'Health']);
    expect(splitLabels('Technology;Health')).toEqual(['Technology', 'Health']);
    expect(splitLabels('Technology,Health')).toEqual(['Technology', 'Health']);
    expect(splitLabels('Finance')).toEqual(['Finance']);
    expect(splitLabels('  ')).toEqual([]);
  });

  it('reads 0/1 cells', () => {
    expect(['1', 'TRUE', 'yes', '1.0'].map(parseBinary)).toEqual([1, 1, 1, 1]);
    expect(['0', 'false', '', ' no '].map(parseBinary)).toEqual([0, 0, 0, 0]);
    expect(parseBinary('maybe')).toBeNull();
  });
});

describe('detectGold', () => {
  it('finds 0/1 columns named as labels and says which labels have none', () => {
    const gold = detectGold(['text', 'technology', 'Finance'], [['a', '1', '0'], ['b', '0', 'true']], LABELS, 0)!;
    expect(gold.source).toEqual({ kind: 'columns', columns: { Technology: 1, Finance: 2 } });
    expect(gold.labels).toEqual(['Technology', 'Finance']);
    expect(gold.y.map((c) => Array.from(c))).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(gold.notes.join(' ')).toMatch(/Not evaluated \(no 0\/1 column\): Health/);
  });

  it('skips a label column that holds other values, with the row', () => {
    const gold = detectGold(['text', 'Health', 'Finance'], [['a', '1', '0'], ['b', 'sick', '1']], LABELS, 0)!;
    expect(gold.labels).toEqual(['Finance']);
    expect(gold.notes.join(' ')).toMatch(/'Health' is not used as gold: row 3 holds 'sick'/);
  });

  it('reads one delimited labels column', () => {
    const rows = [
      ['a', 'Technology|Health'],
      ['b', 'finance; Sports'],
      ['c', ''],
    ];
    const gold = detectGold(['text', 'labels'], rows, LABELS, 0)!;
    expect(gold.source).toEqual({ kind: 'delimited', column: 1 });
    expect(gold.labels).toEqual(LABELS);
    expect(gold.y.map((c) => Array.from(c))).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(gold.notes.join(' ')).toMatch(/not current labels were ignored: Sports \(1\)/);
  });

  it('leaves out labels no row has', () => {
    const gold = detectGold(['text', 'labels'], [['a', 'Technology']], LABELS, 0)!;
    expect(gold.labels).toEqual(['Technology']);
    expect(gold.notes.join(' ')).toMatch(/Not evaluated .*Health, Finance/);
  });

  it('returns null without gold, or when the labels column names no current label', () => {
    expect(detectGold(['text', 'id'], [['a', '1']], LABELS, 0)).toBeNull();
    expect(detectGold(['text', 'labels'], [['a', 'Sports']], LABELS, 0)).toBeNull();
  });

  it('never takes the text column as gold', () => {
    expect(detectGold(['labels'], [['Technology']], LABELS, 0)).toBeNull();
  });
});
