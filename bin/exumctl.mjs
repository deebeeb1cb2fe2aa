#!/usr/bin/env node
// exumctl, the command line of exum-router (`npx exumctl --help`): runs the TypeScript sources
// of lib/cli through tsx, as `npm start` does for the service.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
