// One attempt at delivering a provider event: a POST to its endpoint, signed with the Standard
// Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature), bounded by a timeout, and
// classified: delivered, retryable (timeouts, network errors, 408, 429, 5xx) or permanent (any
// other status). Retrying is deliver-or-dead-letter.ts's business.
import { Webhook } from 'standardwebhooks';
import { DELIVERY_TIMEOUT_MS } from './delivery-bounds.js';
import type { ProviderEvent } from './event-schemas.js';
import type { Endpoint } from './provider-endpoints.js';

export type PostOutcome =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retryable'; status: number | null; error: string }
  | { outcome: 'permanent'; status: number; error: string };

export function signedHeaders(event: ProviderEvent, body: string, secret: string, at: Date): Record<string, string> {
  const signature = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }).sign(event.id, at, body);
  return {
    'content-type': 'application/json',
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
    'user-agent': 'exum-router/1',
  };
}

export async function postSignedEvent(
  endpoint: Endpoint,
  event: ProviderEvent,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<PostOutcome> {
  const body = JSON.stringify(event);
  const headers = signedHeaders(event, body, endpoint.secret, (options.now ?? (() => new Date()))());
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS),
    });
    // Drain the body so the connection can be reused; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    const name = (error as Error).name;
    return {
      outcome: 'retryable',
      status: null,
      error:
        name === 'TimeoutError'
          ? `no answer within ${options.timeoutMs ?? DELIVERY_TIMEOUT_MS} ms`
          : `${name}: ${(error as Error).message}`,
    };
  }
  if (response.status >= 200 && response.status < 300) return { outcome: 'delivered', status: response.status };
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    return { outcome: 'retryable', status: response.status, error: `HTTP ${response.status}` };
  }
  return { outcome: 'permanent', status: response.status, error: `HTTP ${response.status}` };
}
