// Types of scripts/chromium.mjs for the TypeScript configs that import it.
export declare const CHROMIUM_ARGS: readonly string[];
export declare const WEBGPU_ARG: string;
export declare const CHROMIUM_PATH: string;
