import { describe, expect, it } from 'vitest';
import { TenantConfigCache } from '../../lib/routing/tenant-config-cache.js';
import { tenantConfig } from '../support/builders.js';

describe('TenantConfigCache', () => {
  const setUp = (ttlMs: number) => {
    let clock = 0;
    let loads = 0;
    const cache = new TenantConfigCache({
      ttlMs,
      now: () => clock,
      load: async () => {
        loads++;
        return tenantConfig();
      },
    });
    return { cache, advance: (ms: number) => (clock += ms), loads: () => loads };
  };

  it('serves from memory within the TTL and reloads after it', async () => {
    const { cache, advance, loads } = setUp(5000);
    await cache.get('contoso');
    advance(4999);
    await cache.get('contoso');
    expect(loads()).toBe(1);
    advance(1);
    await cache.get('contoso');
    expect(loads()).toBe(2);
  });

  it('shares one load among concurrent misses', async () => {
    const { cache, loads } = setUp(5000);
    await Promise.all(Array.from({ length: 20 }, () => cache.get('contoso')));
    expect(loads()).toBe(1);
  });

  it('does not keep a failed load', async () => {
    let fail = true;
    const cache = new TenantConfigCache({
      ttlMs: 5000,
      load: async () => {
        if (fail) throw new Error('down');
        return tenantConfig();
      },
    });
    await expect(cache.get('contoso')).rejects.toThrow('down');
    fail = false;
    await expect(cache.get('contoso')).resolves.toBeDefined();
  });

  it('reloads every time with a TTL of zero', async () => {
    const { cache, loads } = setUp(0);
    await cache.get('contoso');
    await cache.get('contoso');
    expect(loads()).toBe(2);
  });

  it('keeps at most maxTenants', async () => {
    let loads = 0;
    const cache = new TenantConfigCache({
      ttlMs: 60_000,
      maxTenants: 2,
      load: async () => {
        loads++;
        return tenantConfig();
      },
    });
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    await cache.get('c');
    await cache.get('a');
    expect(loads).toBe(4);
  });
});
