// Failed delivery attempts are counted once each, even when the SDK sends the count again after
// losing DynamoDB's answer: the count decides when an event is dead-lettered.
import { expect, it } from 'vitest';
import { EventStore } from '../../lib/store/event-store.js';
import { createTenant } from '../support/fixtures.js';
import { useTestService } from '../support/service.js';

const context = useTestService((api) => createTenant(api, 'contoso'));

it('counts an attempt sent twice once, and the next attempt as the next', async () => {
  const events = new EventStore(context.service.store.table);
  expect(await events.countAttempt('contoso', 'evt_1', '2026-12-01T10:00:00.000Z')).toBe(1);
  // The same attempt again, as the SDK resends an update whose answer it lost.
  expect(await events.countAttempt('contoso', 'evt_1', '2026-12-01T10:00:00.000Z')).toBe(1);
  expect(await events.countAttempt('contoso', 'evt_1', '2026-12-01T10:00:00.800Z')).toBe(2);
  expect(await events.countAttempt('contoso', 'evt_2', '2026-12-01T10:00:00.800Z')).toBe(1);
});
