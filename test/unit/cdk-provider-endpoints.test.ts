// The endpoint rules' one setting in AWS (issue 15, item 1): the ports besides 443 a provider's
// event endpoint may name, from -c providerAllowedPorts, given to the function that checks an
// endpoint when it is written (management) and to the one that checks it at delivery (stream).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createExumStacks } from '../../cdk/stacks.js';
import type { ParsedJson } from '../support/json.js';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Each function's EXUM_PROVIDER_ALLOWED_PORTS, by its description, in a stack synthesized with `context`. */
function allowedPortsByFunction(context: Record<string, unknown>): Record<string, string | undefined> {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-endpoints-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], console: 'false', ...context } });
  const { stateless } = createExumStacks(app);
  const functions = Object.values(Template.fromStack(stateless).findResources('AWS::Lambda::Function')) as { Properties: ParsedJson }[];
  return Object.fromEntries(
    functions
      .filter((fn) => fn.Properties.Handler === 'index.handler')
      .map((fn) => [
        fn.Properties.Description as string,
        fn.Properties.Environment?.Variables?.EXUM_PROVIDER_ALLOWED_PORTS as string | undefined,
      ]),
  );
}

describe('the allowed provider endpoint ports', () => {
  it('are none by default, set on the management and stream functions only', () => {
    const ports = allowedPortsByFunction({});
    expect(ports['exum-router management API']).toBe('');
    expect(ports['exum-router stream: audit, migrations, provider events']).toBe('');
    expect(Object.values(ports).filter((value) => value !== undefined)).toHaveLength(2);
  });

  it('come from -c providerAllowedPorts, checked at synth', () => {
    const ports = allowedPortsByFunction({ providerAllowedPorts: '8443,9443' });
    expect(ports['exum-router management API']).toBe('8443,9443');
    expect(ports['exum-router stream: audit, migrations, provider events']).toBe('8443,9443');
    expect(() => allowedPortsByFunction({ providerAllowedPorts: '22x' })).toThrow(/EXUM_PROVIDER_ALLOWED_PORTS/);
  });
});
