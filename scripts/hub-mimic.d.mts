// Types of scripts/hub-mimic.mjs for the tests and the Playwright config that use it.

/** A repository: a folder of the project, less `omit`, only `only`, with files replaced or JSON files patched. */
export interface RepoSpec {
  from: string;
  omit?: string[];
  only?: string[];
  replace?: Record<string, string>;
  patch?: Record<string, Record<string, unknown>>;
}
export declare const EXPOSED_HEADERS: string;
export declare const COMMIT: string;
export declare function isLfs(path: string, bytes: number): boolean;
export declare function gitBlobSha1(bytes: Uint8Array): string;
export declare function repoFiles(spec: RepoSpec, root: string): Map<string, () => Buffer>;
export interface HubMimic {
  /** Every request served, as "METHOD /path?query" (CDN paths start with "cdn"). */
  log: string[];
  origin: string;
  cdnOrigin: string;
  close(): Promise<unknown>;
}
export declare function startHubMimic(options: { port: number; cdnPort: number; repos: Record<string, RepoSpec>; root?: string; host?: string }): Promise<HubMimic>;
