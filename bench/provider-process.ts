// A local hosting provider in its own process (as a real provider is elsewhere): prints its
// event URL; GET /counts answers how many events of each type it accepted.
import { startProviderServer } from '../test/support/provider-server.js';

const provider = await startProviderServer();
process.stdout.write(`${provider.url}\n`);
process.on('SIGTERM', () => void provider.stop().then(() => process.exit(0)));
