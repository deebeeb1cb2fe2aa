// Sign-in with a credential token, as cluster dashboards do: the token is checked with the API
// (GET /v1/whoami) and kept in this tab's session storage only.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import { useState } from 'react';
import { ProblemAlert } from '../components/problem-alert';

export function SignInPage({ signIn }: { signIn: (token: string) => Promise<void> }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <Box padding="xxl">
        <ContentLayout header={<Header variant="h1">exum-router console</Header>}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <Form
              actions={
                <Button variant="primary" formAction="submit" loading={busy} disabled={token.trim() === ''}>
                  Sign in
                </Button>
              }
              errorText={error === null ? undefined : 'The token was not accepted'}
            >
              <Container header={<Header variant="h2">Sign in with a credential token</Header>}>
                <FormField
                  label="Token"
                  description="A credential's bearer token (exumctl credential create, or the operator token npm start prints). It stays in this browser tab."
                >
                  <Input
                    type="password"
                    value={token}
                    onChange={(event) => setToken(event.detail.value)}
                    autoComplete={false}
                    ariaLabel="Token"
                  />
                </FormField>
                <ProblemAlert error={error} />
              </Container>
            </Form>
          </form>
        </ContentLayout>
      </Box>
    </main>
  );
}
