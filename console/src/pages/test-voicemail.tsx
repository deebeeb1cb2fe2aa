// Placeholder until the page is built.
import Header from '@cloudscape-design/components/header';

export default function TestVoicemailPage() {
  return <Header variant="h1">TestVoicemail</Header>;
}
