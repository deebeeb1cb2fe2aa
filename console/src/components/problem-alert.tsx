// What the API said when it refused: the title, the detail, and each field with its rule.
import Alert from '@cloudscape-design/components/alert';
import { ProblemError, type Problem } from '../api/client';

export const problemOf = (error: unknown): Problem | null =>
  error === null || error === undefined
    ? null
    : error instanceof ProblemError
      ? error.problem
      : { title: 'The service could not be reached', status: 0, detail: error instanceof Error ? error.message : 'no answer' };

export function ProblemAlert({ error, header }: { error: unknown; header?: string }) {
  const problem = problemOf(error);
  if (problem === null) return null;
  return (
    <Alert type="error" header={header ?? problem.title}>
      {problem.detail !== undefined && problem.detail !== problem.title ? <div>{problem.detail}</div> : null}
      {problem.errors !== undefined && problem.errors.length > 0 ? (
        <ul>
          {problem.errors.map((issue) => (
            <li key={`${issue.field}:${issue.rule}`}>
              <code>{issue.field}</code>: {issue.message} ({issue.rule})
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}
