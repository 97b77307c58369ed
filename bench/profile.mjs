// ORT Web's WASM profiler output, read back: its kernel events summed per op type for each profiled pass.

/**
 * ORT's profiler events (Chrome trace objects printed one per line, possibly several lines per console message,
 * after a `profile-mark k runs` line of bench-worker.ts) into, per pass k < `count`, the profiled pass's model_run
 * count and ms and its kernel ms per op type (largest first). The profiled pass is the last `runs` model_run events
 * of its session; earlier events (session creation, the warm-up) are dropped. Lines before the first mark and lines
 * that are not trace objects are ignored.
 */
export function kernelProfile(lines, count) {
  const events = Array.from({ length: count }, () => []);
  const passRuns = [];
  let k = -1;
  for (const line of lines) {
    const m = /^profile-mark (\d+) (\d+)$/.exec(line);
    if (m) {
      k = Number(m[1]);
      passRuns[k] = Number(m[2]);
      continue;
    }
    for (const text of line.split('\n')) {
      const json = text.trim().replace(/,$/, '');
      if (k >= 0 && json.startsWith('{') && json.includes('"ph"')) events[k].push(JSON.parse(json));
    }
  }
  return events.map((list, i) => {
    const runs = list.filter((e) => e.name === 'model_run').sort((a, b) => a.ts - b.ts).slice(-passRuns[i]);
    const from = runs[0]?.ts ?? Infinity;
    const out = { runs: runs.length, runMs: runs.reduce((s, e) => s + e.dur / 1000, 0), kernelMs: 0, ops: {} };
    for (const e of list) {
      if (e.ts < from || e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const op = e.args?.op_name ?? '?';
      out.kernelMs += e.dur / 1000;
      out.ops[op] = (out.ops[op] ?? 0) + e.dur / 1000;
    }
    out.ops = Object.fromEntries(Object.entries(out.ops).sort((a, b) => b[1] - a[1]));
    return out;
  });
}
