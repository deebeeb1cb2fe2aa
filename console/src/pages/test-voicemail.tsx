// Test voicemail: the console's Test-CsExUMVoiceMail. Asks the routing service what it would answer
// a gateway for a target (POST /v1/resolve?explain=true, which reads exactly what a call reads),
// and shows the decision, the diagnostic code and each check as a list of steps.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { expectOk, fieldError } from '../api/client';
import { problemOf, ProblemAlert } from '../components/problem-alert';
import { useSession } from '../session';

const REASONS = [
  { value: 'voicemail', label: 'Voicemail (a diverted call)' },
  { value: 'subscriber-access', label: 'Subscriber Access' },
  { value: 'auto-attendant', label: 'Auto Attendant' },
] as const;
type Reason = (typeof REASONS)[number]['value'];

const DECISION_TEXT = { 'on-premises': 'On premises (Exchange UM)', hosted: 'Hosted voicemail', reject: 'Rejected' } as const;

export default function TestVoicemailPage() {
  const { api, may } = useSession();
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState<Reason>('voicemail');
  const test = useMutation({
    mutationFn: () =>
      expectOk(
        api.POST('/v1/resolve', {
          params: { query: { explain: 'true' } },
          body: { target: target.trim(), reason },
        }),
      ),
  });
  const problem = problemOf(test.error);
  const answer = test.data;

  if (!may('POST', '/v1/resolve')) {
    return (
      <ContentLayout header={<Header variant="h1">Test voicemail</Header>}>
        <StatusIndicator type="info">
          Testing asks the service as the tenant&apos;s gateway would: sign in with a credential of the tenant (reader or administrator).
        </StatusIndicator>
      </ContentLayout>
    );
  }

  return (
    <ContentLayout
      header={
        <Header variant="h1" description="What the service would answer a gateway for this target, and why (Test-CsExUMVoiceMail)">
          Test voicemail
        </Header>
      }
    >
      <SpaceBetween size="l">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            test.mutate();
          }}
        >
          <Form
            actions={
              <Button variant="primary" formAction="submit" loading={test.isPending} disabled={target.trim() === ''}>
                Test
              </Button>
            }
          >
            <Container>
              <SpaceBetween size="m">
                <FormField
                  label="Target"
                  description="A SIP address (sip:alice@contoso.com), a line URI (tel:+14255550100) or an E.164 number"
                  errorText={fieldError(problem, 'target')}
                >
                  <Input
                    ariaLabel="Target"
                    value={target}
                    onChange={(event) => setTarget(event.detail.value)}
                    placeholder="sip:alice@contoso.com"
                  />
                </FormField>
                <FormField label="Reason" errorText={fieldError(problem, 'reason')}>
                  <Select
                    ariaLabel="Reason"
                    selectedOption={REASONS.find((option) => option.value === reason)!}
                    options={[...REASONS]}
                    onChange={(event) => setReason(event.detail.selectedOption.value as Reason)}
                  />
                </FormField>
              </SpaceBetween>
            </Container>
          </Form>
        </form>
        {fieldError(problem, 'target') === undefined && fieldError(problem, 'reason') === undefined ? (
          <ProblemAlert error={test.error} />
        ) : null}
        {answer === undefined ? null : (
          <>
            <Container header={<Header variant="h2">Decision</Header>}>
              <KeyValuePairs
                columns={3}
                items={[
                  {
                    label: 'Decision',
                    value: (
                      <StatusIndicator type={answer.decision === 'reject' ? 'error' : 'success'}>
                        <span data-testid="decision">{DECISION_TEXT[answer.decision]}</span>
                      </StatusIndicator>
                    ),
                  },
                  { label: 'Diagnostic', value: `${answer.diagnostic.code}: ${answer.diagnostic.reason}` },
                  {
                    label: answer.decision === 'reject' ? 'SIP answer' : 'Next hop',
                    value:
                      answer.decision === 'reject' ? `${answer.sipStatus ?? ''} ${answer.reasonPhrase ?? ''}` : (answer.nextHop ?? '-'),
                  },
                  ...(answer.requestUri === undefined ? [] : [{ label: 'Request-URI', value: answer.requestUri }]),
                  ...(answer.dialPlanLabel === null ? [] : [{ label: 'Dial plan', value: answer.dialPlanLabel }]),
                  { label: 'Cacheable for', value: `${answer.ttlSeconds} s` },
                ]}
              />
            </Container>
            <Table
              header={<Header variant="h2">Steps</Header>}
              ariaLabels={{ tableLabel: 'Steps of the decision' }}
              items={(answer.explain?.checks ?? []).map((check, index) => ({ ...check, index: index + 1 }))}
              columnDefinitions={[
                { id: 'index', header: '#', cell: (check) => check.index },
                { id: 'step', header: 'Check', cell: (check) => check.step },
                { id: 'found', header: 'Found', cell: (check) => check.found },
                {
                  id: 'ok',
                  header: 'Result',
                  cell: (check) => (
                    <StatusIndicator type={check.ok ? 'success' : 'error'}>{check.ok ? 'passed' : 'failed'}</StatusIndicator>
                  ),
                },
              ]}
              empty={<Box>No checks reported</Box>}
            />
          </>
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}
