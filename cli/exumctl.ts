// The source of the exumctl executable: bin/build.mjs bundles it into dist/exumctl.js, which
// bin/exumctl.mjs (the command npm links) runs.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
