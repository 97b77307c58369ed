// Types of scripts/check-main-chunk.mjs for its unit test.
export declare const AJV_MARKERS: readonly string[];
export declare function entryScript(html: string): string;
export interface MainChunkReport {
  entry: string;
  files: { file: string; bytes: number; gzipBytes: number; ajv: string[] }[];
  ok: boolean;
  problems: string[];
}
export declare function inspectMainChunk(dir: string): MainChunkReport;
