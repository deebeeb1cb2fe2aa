// Placeholder until the page is built.
import Header from '@cloudscape-design/components/header';

export default function AuditPage() {
  return <Header variant="h1">Audit</Header>;
}
