// Types of scripts/csp.mjs for the TypeScript configs and tests that import it.
import type { Plugin } from 'vite';

export type CspDirectives = Readonly<Record<string, readonly string[]>>;
export declare const BUNDLE_HOSTS: readonly string[];
export declare function parseExtraHosts(value: string | undefined): readonly string[];
export declare const EXTRA_MODEL_HOSTS: readonly string[];
export declare function cspDirectives(extraHosts: readonly string[]): CspDirectives;
export declare const CSP_DIRECTIVES: CspDirectives;
export declare const HEADER_ONLY_DIRECTIVES: readonly string[];
export declare function serializeCsp(directives: CspDirectives): string;
export declare function parseCsp(policy: string): Record<string, string[]>;
export declare const CSP_HEADER: string;
export declare const CSP_META: string;
export declare function withCspMeta(html: string): string;
export declare function cspMetaPlugin(): Plugin;
