import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import TestVoicemailPage from '../src/pages/test-voicemail';
import { renderPage, stubApi } from './render';

afterEach(() => vi.unstubAllGlobals());

const hostedAnswer = {
  decision: 'hosted',
  nextHop: 'sip:exap.um.outlook.com:5061;transport=tls',
  requestUri: 'sip:alice@contoso.com',
  headers: {},
  alternates: [],
  diagnostic: { code: 15002, reason: 'hosted voicemail' },
  dialPlanLabel: null,
  ttlSeconds: 0,
  staleIfErrorSeconds: 0,
  explain: {
    target: { kind: 'sip' },
    checks: [
      { step: 'tenant domain', found: 'contoso.com', ok: true },
      { step: 'user found', found: 'sip:alice@contoso.com', ok: true },
      { step: 'hosted voicemail', found: 'admin flag on', ok: true },
    ],
  },
};

describe('test voicemail', () => {
  it('asks with explain=true and shows the decision, the diagnostic and each step', async () => {
    const requests = stubApi({ 'POST /v1/resolve': { body: hostedAnswer } });
    renderPage(<TestVoicemailPage />, { role: 'reader' });
    fireEvent.change(screen.getByLabelText('Target'), { target: { value: ' sip:alice@contoso.com ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect((await screen.findByTestId('decision')).textContent).toBe('Hosted voicemail');
    expect(screen.getByText('15002: hosted voicemail')).toBeTruthy();
    expect(screen.getByText('admin flag on')).toBeTruthy();
    expect(new URL(requests[0]!.url).searchParams.get('explain')).toBe('true');
    expect(await requests[0]!.json()).toEqual({ target: 'sip:alice@contoso.com', reason: 'voicemail' });
  });

  it('shows a refusal on the target field', async () => {
    stubApi({
      'POST /v1/resolve': {
        status: 400,
        body: {
          title: 'Invalid request',
          status: 400,
          code: 'validation-failed',
          errors: [{ field: 'target', rule: 'target-format', message: 'not a SIP URI, line URI or E.164 number' }],
        },
      },
    });
    renderPage(<TestVoicemailPage />, { role: 'reader' });
    fireEvent.change(screen.getByLabelText('Target'), { target: { value: 'alice' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    await waitFor(() => expect(screen.getByText('not a SIP URI, line URI or E.164 number (target-format)')).toBeTruthy());
  });

  it('tells an operator (no tenant of its own) why it cannot test', () => {
    stubApi({});
    renderPage(<TestVoicemailPage />, { role: 'operator', tenantId: null });
    expect(screen.queryByRole('button', { name: 'Test' })).toBeNull();
  });
});
