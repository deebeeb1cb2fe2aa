// An in-process cache of tenants' routing configuration for the hot path. A configuration
// change reaches every function instance within `ttlMs` (the staleness bound we document);
// users' own records are never cached, so a migration flips routing on the next call.
import type { TenantConfig } from '../domain/tenant-config.js';

export interface TenantConfigCacheOptions {
  load: (tenantId: string) => Promise<TenantConfig | undefined>;
  ttlMs: number;
  /** Tenants kept at most; the least recently loaded goes first. */
  maxTenants?: number;
  now?: () => number;
}

interface Entry {
  config: TenantConfig | undefined;
  loadedAt: number;
}

export class TenantConfigCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<TenantConfig | undefined>>();
  private readonly now: () => number;

  constructor(private readonly options: TenantConfigCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /** The tenant's configuration, at most ttlMs old; concurrent misses share one load. */
  async get(tenantId: string): Promise<TenantConfig | undefined> {
    const entry = this.entries.get(tenantId);
    if (entry !== undefined && this.now() - entry.loadedAt < this.options.ttlMs) return entry.config;
    const pending = this.loading.get(tenantId);
    if (pending !== undefined) return pending;
    const load = this.load(tenantId);
    this.loading.set(tenantId, load);
    try {
      return await load;
    } finally {
      this.loading.delete(tenantId);
    }
  }

  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  private async load(tenantId: string): Promise<TenantConfig | undefined> {
    const loadedAt = this.now();
    const config = await this.options.load(tenantId);
    this.entries.delete(tenantId);
    this.entries.set(tenantId, { config, loadedAt });
    const max = this.options.maxTenants ?? 1000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    return config;
  }
}
