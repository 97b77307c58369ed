// kernelProfile reads ORT Web's profiler lines as the bench worker prints them: per pass, the last runs only.
import { describe, expect, it } from 'vitest';
import { kernelProfile } from './profile.mjs';

/** One trace object as ORT Web prints it (one per line, with a trailing comma). */
const event = (e: Record<string, unknown>) => `${JSON.stringify({ ph: 'X', pid: 1, tid: 1, ...e })},`;
const run = (ts: number, dur: number) => event({ cat: 'Session', name: 'model_run', ts, dur });
const kernel = (ts: number, dur: number, op: string) => event({ cat: 'Node', name: `/layer/${op}_kernel_time`, ts, dur, args: { op_name: op } });

describe('kernelProfile', () => {
  it('sums the profiled pass per op and drops what ran before it (session creation, the warm-up)', () => {
    const lines = [
      'worker ready', // before any mark: ignored
      'profile-mark 0 2',
      event({ cat: 'Session', name: 'session_initialization', ts: 0, dur: 50_000 }),
      run(100, 9_000), // the warm-up: before the last 2 runs
      kernel(150, 8_000, 'MatMul'),
      // ORT may print several events in one console message.
      [run(10_000, 3_000), kernel(10_100, 2_000, 'MatMul'), kernel(12_200, 500, 'Softmax')].join('\n'),
      run(20_000, 2_000),
      kernel(20_100, 1_000, 'MatMul'),
      'profile-mark 1 1',
      run(5, 1_000),
      kernel(10, 250, 'Gelu'),
      'not a trace line {"ph": 1',
    ];
    const [first, second] = kernelProfile(lines, 2);
    expect(first).toEqual({ runs: 2, runMs: 5, kernelMs: 3.5, ops: { MatMul: 3, Softmax: 0.5 } });
    expect(Object.keys(first!.ops)).toEqual(['MatMul', 'Softmax']);
    expect(second).toEqual({ runs: 1, runMs: 1, kernelMs: 0.25, ops: { Gelu: 0.25 } });
  });

  it('gives an empty pass for a limit that printed nothing', () => {
    expect(kernelProfile(['profile-mark 0 3'], 2)).toEqual([
      { runs: 0, runMs: 0, kernelMs: 0, ops: {} },
      { runs: 0, runMs: 0, kernelMs: 0, ops: {} },
    ]);
  });
});
