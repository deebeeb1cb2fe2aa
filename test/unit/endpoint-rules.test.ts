// The provider event endpoint rules (issue 15, item 1): what a URL may be at write time, and which
// addresses a name may resolve to at delivery.
import { describe, expect, it } from 'vitest';
import {
  addressRefusal,
  endpointUrlRefusal,
  maskUserInfo,
  parseAllowedPorts,
  STRICT_ENDPOINT_POLICY,
  type EndpointPolicy,
} from '../../lib/domain/endpoint-rules.js';
import { publicHostingProvider, type HostingProvider } from '../../lib/domain/hosting-provider.js';
import { auditRecordFor } from '../../lib/stream/audit-trail.js';

const LOOPBACK: EndpointPolicy = { allowedPorts: [], allowLoopback: true };
const ruleOf = (url: string, policy: EndpointPolicy = STRICT_ENDPOINT_POLICY) => endpointUrlRefusal(url, policy)?.rule;

describe('an event endpoint URL, at write time', () => {
  it('is accepted as https to a public DNS name on the default port', () => {
    expect(ruleOf('https://events.provider.example.com/exum?x=1')).toBeUndefined();
    expect(ruleOf('https://events.provider.example.com:443/exum')).toBeUndefined();
  });

  it.each([
    ['http://events.provider.example.com/exum', 'https-only'],
    ['http://127.0.0.1:3000/events', 'https-only'],
    ['ftp://events.provider.example.com/', 'https-only'],
    ['https://169.254.169.254/latest/meta-data/', 'dns-name-not-ip'],
    ['https://[fd00:ec2::254]/', 'dns-name-not-ip'],
    ['https://10.0.0.5/events', 'dns-name-not-ip'],
    ['https://172.16.1.1/events', 'dns-name-not-ip'],
    ['https://192.168.1.1/events', 'dns-name-not-ip'],
    ['https://100.64.0.1/events', 'dns-name-not-ip'],
    ['https://127.1/', 'dns-name-not-ip'],
    ['https://2130706433/', 'dns-name-not-ip'],
    ['https://0x7f000001/', 'dns-name-not-ip'],
    ['https://0177.0.0.1/', 'dns-name-not-ip'],
    ['https://0.0.0.0/', 'dns-name-not-ip'],
    ['https://[::ffff:127.0.0.1]/', 'dns-name-not-ip'],
    ['https://[::1]/', 'dns-name-not-ip'],
    ['https://8.8.8.8/', 'dns-name-not-ip'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'public-dns-name'],
    ['https://ip-10-0-0-1.ec2.internal/', 'public-dns-name'],
    ['https://localhost/', 'public-dns-name'],
    ['https://api.localhost/', 'public-dns-name'],
    ['https://localhost./', 'public-dns-name'],
    ['https://printer.local/', 'public-dns-name'],
    ['https://router.home.arpa/', 'public-dns-name'],
    ['https://intranet/', 'public-dns-name'],
    ['https://events.provider.example.com:22/', 'allowed-port'],
    ['https://events.provider.example.com:0/', 'allowed-port'],
    ['https://events.provider.example.com:8443/', 'allowed-port'],
    ['https://user:pass@events.provider.example.com/exum', 'no-user-info'],
    ['https://token@events.provider.example.com/exum', 'no-user-info'],
    ['http://127.0.0.1:80@169.254.169.254/', 'no-user-info'],
    ['not a url', 'url'],
  ])('refuses %s (%s)', (url, rule) => {
    expect(ruleOf(url)).toBe(rule);
  });

  it('accepts a port the operator allowed, and only that one', () => {
    const policy: EndpointPolicy = { allowedPorts: [8443], allowLoopback: false };
    expect(ruleOf('https://events.provider.example.com:8443/', policy)).toBeUndefined();
    expect(ruleOf('https://events.provider.example.com:9443/', policy)).toBe('allowed-port');
    expect(endpointUrlRefusal('https://events.provider.example.com:9443/', policy)?.message).toContain('443 or 8443');
  });

  it('with loopback providers allowed: http and https to 127.0.0.0/8, ::1 and localhost, nothing else', () => {
    for (const url of [
      'http://127.0.0.1:3000/events',
      'https://127.0.0.2:8443/',
      'http://[::1]:3000/',
      'http://localhost:3000/',
      'https://127.1/',
    ])
      expect(ruleOf(url, LOOPBACK), url).toBeUndefined();
    expect(ruleOf('http://10.0.0.5:3000/', LOOPBACK)).toBe('https-only');
    expect(ruleOf('https://169.254.169.254/', LOOPBACK)).toBe('dns-name-not-ip');
    expect(ruleOf('https://0.0.0.0/', LOOPBACK)).toBe('dns-name-not-ip');
    expect(ruleOf('http://events.provider.example.com/', LOOPBACK)).toBe('https-only');
    expect(ruleOf('http://127.0.0.1:80@169.254.169.254/', LOOPBACK)).toBe('no-user-info');
    expect(ruleOf('http://127.0.0.1:0/', LOOPBACK)).toBe('allowed-port');
  });
});

describe('user-info in a stored URL', () => {
  it('is masked wherever the URL is shown', () => {
    expect(maskUserInfo('https://user:pass@events.provider.example.com/exum')).toBe('https://***@events.provider.example.com/exum');
    expect(maskUserInfo('https://token@events.provider.example.com:8443/a@b')).toBe('https://***@events.provider.example.com:8443/a@b');
    expect(maskUserInfo('http://127.0.0.1:80@169.254.169.254/')).toBe('http://***@169.254.169.254/');
    expect(maskUserInfo('https://events.provider.example.com/exum?at=a@b')).toBe('https://events.provider.example.com/exum?at=a@b');
  });
});

describe('a provider stored with user-info before the rules', () => {
  const stored: HostingProvider = {
    id: 'exo',
    proxyFqdn: 'exap.um.outlook.com',
    enabled: true,
    sharedAddressSpace: true,
    hostsUsers: true,
    isLocal: false,
    verificationLevel: 'always-verifiable',
    eventEndpoint: { url: 'https://admin:hunter2@events.provider.example.com/exum', secretRef: 'inline:whsec-secret' },
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    modifiedBy: { credentialId: 'cred_1', role: 'server-admin' },
  };

  it('is shown to readers with the user-info masked', () => {
    expect(publicHostingProvider(stored).eventEndpoint).toEqual({
      url: 'https://***@events.provider.example.com/exum',
      secretConfigured: true,
    });
  });

  it('is audited with the user-info masked', () => {
    const audited = auditRecordFor({
      eventId: 'e1',
      tenantId: 'contoso',
      entity: 'provider',
      eventName: 'MODIFY',
      at: '2026-01-01T00:00:01.000Z',
      before: { ...stored, enabled: false },
      after: stored,
    });
    expect(JSON.stringify(audited)).not.toContain('hunter2');
    expect(audited?.record.after?.eventEndpoint).toEqual({ url: 'https://***@events.provider.example.com/exum', secret: '[secret]' });
  });
});

describe('an address a name resolves to, at delivery', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['fd00:ec2::254', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['2002:a00:1::', '6to4'],
  ])('refuses %s (%s)', (address, why) => {
    expect(addressRefusal(address, STRICT_ENDPOINT_POLICY)).toContain(why);
  });

  it('accepts global unicast addresses, IPv4 inside IPv6 included', () => {
    for (const address of ['8.8.8.8', '52.94.236.248', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])
      expect(addressRefusal(address, STRICT_ENDPOINT_POLICY), address).toBeUndefined();
  });

  it('accepts loopback, and only loopback, when loopback providers are allowed', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(addressRefusal(address, LOOPBACK), address).toBeUndefined();
    for (const address of ['10.0.0.1', '169.254.169.254', '0.0.0.0', '::'])
      expect(addressRefusal(address, LOOPBACK), address).toBeDefined();
  });
});

describe('EXUM_PROVIDER_ALLOWED_PORTS', () => {
  it('is a comma-separated list of ports; anything else stops the start', () => {
    expect(parseAllowedPorts(undefined)).toEqual([]);
    expect(parseAllowedPorts('')).toEqual([]);
    expect(parseAllowedPorts('8443, 9443')).toEqual([8443, 9443]);
    for (const value of ['0', '65536', 'https', '8443,', '1.5'])
      expect(() => parseAllowedPorts(value), value).toThrow(/EXUM_PROVIDER_ALLOWED_PORTS/);
  });
});
