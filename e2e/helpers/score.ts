// Runs model-export's `score` command (the Python labeller for large files) and reads what it wrote.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readCsv } from './csvdata';

const MODEL_EXPORT = fileURLToPath(new URL('../../model-export', import.meta.url));
const PYTHON = join(MODEL_EXPORT, '.venv', 'bin', 'python');
const FIXTURE_BUNDLE = fileURLToPath(new URL('../../public/models/demo-fixture', import.meta.url));

export type ScoreEngine = 'local' | 'ray';

/**
 * `python -m model_export score` on one CSV with the demo bundle (fp32), into `out`; returns the
 * labelled rows in file order. A rerun into the same `out` skips the finished file (the command
 * resumes), so both Playwright projects can share one run's results.
 */
export async function scoreWithPython(input: string, out: string, engine: ScoreEngine): Promise<ReturnType<typeof readCsv>> {
  const args = ['-m', 'model_export', 'score', '--bundle', FIXTURE_BUNDLE, '--input', input, '--out', out, '--dtype', 'fp32', '--no-progress'];
  // Two Ray actors of one thread each; the local engine on one thread (the machine is shared).
  args.push(...(engine === 'ray' ? ['--engine', 'ray', '--workers', '2', '--batch-size', '4', '--threads', '1'] : ['--threads', '1']));
  const { stdout } = await promisify(execFile)(PYTHON, args, { cwd: MODEL_EXPORT, timeout: 480_000, maxBuffer: 64 * 1024 * 1024 });
  const written = stdout.trim().split('\n').at(-1)!;
  if (engine === 'local') return readCsv(readFileSync(written, 'utf-8'));
  // Ray writes a folder of parts, named in row order, each with the header.
  const parts = readdirSync(written).filter((f) => f.startsWith('part-')).sort();
  const read = parts.map((f) => readCsv(readFileSync(join(written, f), 'utf-8')));
  return { header: read[0]!.header, records: read.flatMap((r) => r.records) };
}
