#!/usr/bin/env node
// exumctl, the command line of exum-router (`npx exumctl --help`): runs the compiled bundle
// dist/exumctl.js, built at install and rebuilt here first if a source changed since.
import { enableCompileCache } from 'node:module';
import { ensureBuilt } from './build.mjs';

// Node keeps the compiled bundle on disk: later starts skip parsing it.
enableCompileCache();

await ensureBuilt(['exumctl']);
await import('../dist/exumctl.js');
