// Types of bench/profile.mjs for the tests that import it.
export interface PassProfile {
  /** model_run events of the profiled pass. */
  runs: number;
  /** Their summed duration, ms. */
  runMs: number;
  /** Kernel time inside the pass, ms. */
  kernelMs: number;
  /** Kernel ms per op type, largest first. */
  ops: Record<string, number>;
}
export declare function kernelProfile(lines: readonly string[], count: number): PassProfile[];
