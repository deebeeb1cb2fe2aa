#!/usr/bin/env node
// `npm start`: the whole service on this machine, from the compiled bundle dist/exum-local.js,
// built at install and rebuilt here first if a source changed since.
import { enableCompileCache } from 'node:module';
import { ensureBuilt } from './build.mjs';

// Node keeps the compiled bundle on disk: later starts skip parsing it.
enableCompileCache();

await ensureBuilt(['exum-local']);
await import('../dist/exum-local.js');
