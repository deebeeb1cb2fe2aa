// Provider event endpoints can only reach the provider (issue 15, item 1), on the local service as
// `npm start` runs it: without --allow-loopback-providers, an endpoint on this machine (the
// service's own API, DynamoDB Local) is refused at write time, through the API and exumctl apply,
// naming the field and the rule; with the option, it is accepted.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctlAt } from '../support/exumctl.js';
import { createTenant, setUpHostedProvider } from '../support/fixtures.js';
import { OPERATOR_TOKEN, useTestService, type ApiClient } from '../support/service.js';

const T = '/v1/tenants/contoso';
const SECRET = 'whsec-endpoint-rules-test-secret-0001';
const setUp = async (api: ApiClient) => {
  await createTenant(api, 'contoso');
  await setUpHostedProvider(api, 'contoso');
};
const strict = useTestService(setUp);
const loopback = useTestService(setUp, { allowLoopbackProviders: true });

const endpointOn = (api: ApiClient, url: string, options: { dryRun?: boolean } = {}) =>
  api.patch(`${T}/hosting-providers/exo${options.dryRun === true ? '?dryRun=true' : ''}`, { eventEndpoint: { url, secret: SECRET } });

describe('the local service started without --allow-loopback-providers', () => {
  it('refuses an endpoint on this machine: problem+json naming eventEndpoint.url and the rule', async () => {
    const local = `http://127.0.0.1:${strict.service.port}/events`;
    for (const answer of [
      await endpointOn(strict.api, local),
      await endpointOn(strict.api, local, { dryRun: true }),
      await strict.api.post(`${T}/hosting-providers`, {
        id: 'local',
        proxyFqdn: 'proxy.local-provider.com',
        eventEndpoint: { url: local, secret: SECRET },
      }),
    ]) {
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'eventEndpoint.url', rule: 'https-only' })]);
    }
    expect((await strict.api.get(`${T}/hosting-providers/exo`)).body.eventEndpoint).toBeNull();
  });

  it.each([
    ['https://169.254.169.254/latest/meta-data/', 'dns-name-not-ip'],
    ['https://[fd00:ec2::254]/', 'dns-name-not-ip'],
    ['https://2130706433/', 'dns-name-not-ip'],
    ['https://[::ffff:127.0.0.1]/', 'dns-name-not-ip'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'public-dns-name'],
    ['https://localhost/', 'public-dns-name'],
    ['https://events.provider.example.com:22/', 'allowed-port'],
    ['https://user:pass@events.provider.example.com/exum', 'no-user-info'],
    ['http://127.0.0.1:80@169.254.169.254/', 'no-user-info'],
  ])('refuses %s (%s)', async (url, rule) => {
    const answer = await endpointOn(strict.api, url);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'eventEndpoint.url', rule })]);
  });

  it('accepts https to a public DNS name', async () => {
    const answer = await endpointOn(strict.api, 'https://events.provider.example.com/exum');
    expect(answer.status).toBe(200);
    expect(answer.body.eventEndpoint).toEqual({ url: 'https://events.provider.example.com/exum', secretConfigured: true });
  });

  it('refuses the same endpoint written by exumctl apply, naming the field and the rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoint-rules-'));
    const path = join(dir, 'tenant.yaml');
    const exumctl = exumctlAt(() => strict.service.url, OPERATOR_TOKEN, 'contoso');
    expect((await exumctl(['export', '-f', path])).code).toBe(EXIT.ok);
    const file = parse(readFileSync(path, 'utf8')) as { hostingProviders: { id: string; eventEndpoint: unknown }[] };
    file.hostingProviders.find((provider) => provider.id === 'exo')!.eventEndpoint = {
      url: `http://127.0.0.1:${strict.service.port}/events`,
      secret: SECRET,
    };
    writeFileSync(path, stringify(file));
    const run = await exumctl(['apply', '-f', path]);
    expect(run.code).not.toBe(EXIT.ok);
    expect(run.stderr).toContain('eventEndpoint.url');
    expect(run.stderr).toContain('https-only');
    expect((await strict.api.get(`${T}/hosting-providers/exo`)).body.eventEndpoint.url).toBe('https://events.provider.example.com/exum');
  });
});

describe('the local service started with --allow-loopback-providers', () => {
  it('accepts an endpoint on this machine, http or https', async () => {
    for (const url of ['http://127.0.0.1:3999/events', 'https://localhost:8443/events', 'http://[::1]:3999/events']) {
      const answer = await endpointOn(loopback.api, url);
      expect(answer.status, url).toBe(200);
      expect(answer.body.eventEndpoint.url).toBe(url);
    }
  });

  it('still refuses what is not this machine', async () => {
    for (const [url, rule] of [
      ['http://10.0.0.5:3999/events', 'https-only'],
      ['https://169.254.169.254/', 'dns-name-not-ip'],
      ['http://127.0.0.1:80@169.254.169.254/', 'no-user-info'],
    ]) {
      const answer = await endpointOn(loopback.api, url!);
      expect(answer.status, url).toBe(400);
      expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'eventEndpoint.url', rule })]);
    }
  });
});
