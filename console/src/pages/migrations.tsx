// Placeholder until the page is built.
import Header from '@cloudscape-design/components/header';

export default function MigrationsPage() {
  return <Header variant="h1">Migrations</Header>;
}
