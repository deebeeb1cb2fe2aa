// The stream processor's bundle carries what delivery checks endpoint addresses with (ipaddr.js,
// issue 15, item 1): Lambda gets the bundle alone, no node_modules beside it.
import { describe, expect, it } from 'vitest';
import { bundledInputs } from '../support/bundle-inputs.js';

describe('the stream processor bundle', () => {
  it('holds the endpoint rules and ipaddr.js', async () => {
    const inputs = await bundledInputs('functions/stream-processor.ts');
    for (const wanted of ['lib/provider-events/endpoint-guard', 'lib/domain/endpoint-rules', 'node_modules/ipaddr.js/']) {
      expect(
        inputs.some((input) => input.includes(wanted)),
        wanted,
      ).toBe(true);
    }
  });
});
