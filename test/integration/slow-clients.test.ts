// A client that promises more of a request than it sends (issue 15, item 5): the local server
// answers 408 and frees the socket within its receive bound (REQUEST_RECEIVE_TIMEOUT_MS), where
// Node's default held it for 5 minutes. The wait is bounded only against a hang, far past the bound.
import { describe, expect, it } from 'vitest';
import { REQUEST_RECEIVE_TIMEOUT_MS } from '../../local/http-server.js';
import { sendRaw } from '../support/raw-http.js';
import { OPERATOR_TOKEN, useTestService } from '../support/service.js';

const context = useTestService();

describe('a slow client', () => {
  it('that sends 2 of the 100 bytes it announced gets 408 and its connection closed, and the service goes on', async () => {
    const answer = await sendRaw(
      context.service.url,
      {
        method: 'POST',
        target: '/v1/tenants',
        headers: [
          ['Authorization', `Bearer ${OPERATOR_TOKEN}`],
          ['Content-Type', 'application/json'],
        ],
        body: Buffer.from('{}'),
        framing: { kind: 'declared-length', declared: '100' },
      },
      // Far past the bound (and Node's check interval): only a hang, such as the old 5 minutes, ends here.
      { timeoutMs: REQUEST_RECEIVE_TIMEOUT_MS * 6 },
    );
    expect(answer?.status).toBe(408);
    expect((await context.api.get('/v1/tenants')).status).toBe(200);
  });
});
