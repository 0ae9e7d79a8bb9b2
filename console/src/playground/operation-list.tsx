import { useMemo } from 'preact/hooks';
import { Card, CardStatus } from '../components/ui';
import { operationGroups } from './openapi-operations';
import { OperationPanel } from './operation-panel';

/** The selected API's operations, grouped by tag, each a disclosure with its request form. */
export function OperationList({
  document,
  error,
  server,
  token,
}: {
  document: Record<string, unknown> | undefined;
  error: Error | undefined;
  server: string;
  token: string;
}) {
  const groups = useMemo(() => (document ? operationGroups(document) : []), [document]);
  if (!document) {
    return (
      <Card title="Operations">
        <CardStatus error={error} label="Loading the API's OpenAPI document…" />
      </Card>
    );
  }
  return (
    <Card title="Operations" description="Open one, fill in its parameters, then send it with the token.">
      <div class="card-body pg-stack">
        {groups.length === 0 && <p class="muted">The API's document lists no operations.</p>}
        {groups.map((group) => (
          <div key={group.tag} class="pg-group">
            {group.tag && <h3 class="pg-subtitle">{group.tag}</h3>}
            {group.description && <p class="muted small">{group.description}</p>}
            <div class="pg-operations">
              {group.operations.map((operation) => (
                <OperationPanel
                  key={operation.key}
                  operation={operation}
                  document={document}
                  server={server}
                  token={token}
                  headingLevel={group.tag ? 4 : 3}
                />
              ))}
            </div>
          </div>
        ))}
      </div>
    </Card>
  );
}
