// How Lambda bundles are built, shared by the CDK functions and the benchmark's cold-start
// measure, so the bundle measured is built as the bundle deployed (the bench targets the local Node).

/** CommonJS dependencies bundled into ESM need a require. */
export const ESM_BANNER = "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);";
