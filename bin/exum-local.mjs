#!/usr/bin/env node
// `npm start`: the whole service on this machine, from the compiled bundle dist/exum-local.js,
// and the console it serves at / (dist/console), built at install and rebuilt here first if a
// source changed since.
import { enableCompileCache } from 'node:module';
import { ensureBuilt, ensureConsoleBuilt } from './build.mjs';

// Node keeps the compiled bundle on disk: later starts skip parsing it.
enableCompileCache();

await ensureBuilt(['exum-local']);
await ensureConsoleBuilt();
await import('../dist/exum-local.js');
