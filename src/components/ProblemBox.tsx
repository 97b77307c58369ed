// Shows a problem: what happened and what to do, as an alert.
import type { Problem } from '../store/types';

/** An alert box; renders nothing without a problem. */
export function ProblemBox({ problem, testId }: { problem: Problem | null; testId?: string }) {
  if (!problem) return null;
  return (
    <div className="problem" role="alert" data-testid={testId}>
      <strong>{problem.message}</strong>
      {problem.hint ? <span> {problem.hint}</span> : null}
    </div>
  );
}
