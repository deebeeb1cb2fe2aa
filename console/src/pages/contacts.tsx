// Placeholder until the page is built.
import Header from '@cloudscape-design/components/header';

export default function ContactsPage() {
  return <Header variant="h1">Contacts</Header>;
}
