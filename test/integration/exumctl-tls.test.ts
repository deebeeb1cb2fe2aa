// exumctl against a service that requires mutual TLS, as an administrator meets it: each way of
// getting the certificates wrong is told apart (missing client certificate, untrusted server,
// a client certificate the server does not trust), and the right ones work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/local-service.js';
import { EXIT } from '../../cli/exit-codes.js';
import { exumctl } from '../support/exumctl.js';
import { OPERATOR_TOKEN } from '../support/service.js';
import { makeSelfSigned, makeTlsFiles, startTlsTestService, type TlsFiles } from '../support/tls-service.js';

const dir = mkdtempSync(join(tmpdir(), 'exumctl-tls-'));
let files: TlsFiles;
let service: LocalService;

beforeAll(async () => {
  files = makeTlsFiles(dir);
  // A client certificate from a CA the server does not know.
  makeSelfSigned(dir, 'stranger', 'stranger');
  service = await startTlsTestService(files);
});

afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const asOperator = (args: string[], tls: Record<string, string>) =>
  exumctl(['tenant', 'get', ...args], {
    env: {
      EXUM_SERVER: service.url,
      EXUM_TOKEN: OPERATOR_TOKEN,
      EXUM_CA: undefined,
      EXUM_CLIENT_CERT: undefined,
      EXUM_CLIENT_KEY: undefined,
      ...tls,
    },
  });

describe('exumctl over mutual TLS', () => {
  it('works with the CA and a client certificate the server trusts', async () => {
    const run = await asOperator(['-o', 'json'], {
      EXUM_CA: files.ca,
      EXUM_CLIENT_CERT: files.clientCert,
      EXUM_CLIENT_KEY: files.clientKey,
    });
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('says a client certificate is required when none is given, not that the server is untrusted', async () => {
    const run = await asOperator(['--ca', files.ca], {});
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toContain('requires a client certificate');
    expect(run.stderr).toContain('--cert and --key');
    expect(run.stderr).not.toContain('not trusted');
  });

  it('says the server certificate is not trusted when its CA is not given', async () => {
    const run = await asOperator(['--cert', files.clientCert, '--key', files.clientKey], {});
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toContain('the server certificate is not trusted');
    expect(run.stderr).toContain('--ca');
  });

  it('says the client certificate was not accepted when another CA signed it', async () => {
    const run = await asOperator(['--ca', files.ca, '--cert', join(dir, 'stranger.pem'), '--key', join(dir, 'stranger.key')], {});
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toMatch(/client certificate (signed by the CA|\()/);
    expect(run.stderr).not.toContain('give it with --cert and --key');
    expect(run.stderr).not.toContain('server certificate is not trusted');
  });
});
