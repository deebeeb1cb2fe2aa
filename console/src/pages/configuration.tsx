// Placeholder until the page is built.
import Header from '@cloudscape-design/components/header';

export default function ConfigurationPage() {
  return <Header variant="h1">Configuration</Header>;
}
