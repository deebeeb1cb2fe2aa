// Placeholder until the page is built.
import Header from '@cloudscape-design/components/header';

export default function UsersPage() {
  return <Header variant="h1">Users</Header>;
}
