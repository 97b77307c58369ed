// Types of scripts/gen-manifest-types.mjs for the TypeScript configs that import it.
export declare const SCHEMA_PATH: string;
export declare const TYPES_PATH: string;
export declare function generateManifestTypes(): Promise<string>;
export declare const VALIDATOR_PATH: string;
export declare const AJV_OPTIONS: Readonly<Record<string, unknown>>;
export declare function generateManifestValidator(): Promise<string>;
