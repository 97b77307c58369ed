// Types of scripts/check-single-ort.mjs for its unit test.
export declare const ORT_API_MARKER: string;
export declare const ORT_BUILDS: Readonly<Record<string, string>>;
export interface BuildReport {
  wasm: string[];
  api: { file: string; copies: number }[];
  ok: boolean;
  problems: string[];
}
export declare function inspectBuild(dir: string): BuildReport;
