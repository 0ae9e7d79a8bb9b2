import { useState } from 'preact/hooks';
import { DeleteDialog } from '../components/delete-dialog';
import { PlusIcon, ServerIcon } from '../components/icons';
import { ListPager, SearchBox, useSearchedPages } from '../components/paged-list';
import {
  Alert,
  Badge,
  Chips,
  EmptyState,
  ErrorMessage,
  Field,
  FormDialog,
  PageHeader,
  PageNotice,
  RadioCards,
  Spinner,
  TableHead,
  TableWrap,
  usePlacedError,
} from '../components/ui';
import { useCan, useConsole } from '../context';
import { useAction, useTitle } from '../hooks';
import { playgroundLink } from '../playground-link';
import type { ApiChanges, ApiResource } from '../types';

type Pending = { kind: 'create' } | { kind: 'edit'; api: ApiResource } | { kind: 'delete'; api: ApiResource };

/**
 * The APIs (RFC 8707 resource servers) tokens are issued for: the tenant's own, which it registers, changes and
 * deletes, and the platform's, which it uses as they are. Each scope's description is what the consent page tells the
 * user the app may do.
 */
export function ApisPage() {
  useTitle('APIs');
  const { api, endpoints } = useConsole();
  const canAdmin = useCan('admin');
  const pages = useSearchedPages((page) => api.pageApis(page));
  const { filter: search, page, loaded: apis } = pages;
  const list = apis.data?.apis ?? [];
  const [pending, setPending] = useState<Pending>();
  const [notice, setNotice] = useState<string>();

  const createButton = (
    <button type="button" class="btn btn-primary" onClick={() => setPending({ kind: 'create' })}>
      <PlusIcon size={16} />
      <span>Register API</span>
    </button>
  );
  const saved = (_resource: ApiResource, message: string) => {
    setPending(undefined);
    setNotice(message);
    apis.reload();
  };
  const refresh = useAction(async (resource: ApiResource) => {
    setNotice(undefined);
    const updated = await api.refreshApiOpenApi(resource.identifier);
    setNotice(`The OpenAPI document of "${resource.name || resource.identifier}" was fetched again: ${documentSummary(updated)}.`);
    apis.reload();
  });

  return (
    <>
      <PageHeader
        title="APIs"
        description="The APIs tokens are issued for. A client names one with the resource parameter (RFC 8707); without it, tokens are for the default API. Describe each scope: the consent page shows the user your words."
        actions={canAdmin ? createButton : undefined}
      />
      <PageNotice notice={notice} />
      {refresh.error && (
        <Alert tone="error" title="The OpenAPI document was not fetched again">
          {refresh.error.message}
        </Alert>
      )}
      {apis.loading && !apis.data ? (
        <Spinner label="Loading APIs…" />
      ) : apis.error && !apis.data ? (
        <ErrorMessage error={apis.error} />
      ) : (
        <>
          <SearchBox label="Search APIs" placeholder="Search by identifier, name or scope" list={pages} />
          <TableWrap label="APIs">
            <table class="table" aria-label="APIs">
              <TableHead columns={['API', 'Scopes', 'OpenAPI document']} actions />
              <tbody>
                {!search && page === 0 && (
                  <tr>
                    <td class="cell-primary" data-label="API">
                      <span class="cell-title">Default API</span> <Badge tone="info">Default</Badge>
                      <div class="cell-secondary">
                        <code class="mono-small break">{apis.data?.default}</code>
                      </div>
                    </td>
                    <td data-label="Scopes">
                      <span class="muted">Any scope</span>
                    </td>
                    <td data-label="OpenAPI document">
                      <span class="muted">None</span>
                    </td>
                    <td class="cell-actions" />
                  </tr>
                )}
                {search && list.length === 0 && (
                  <tr>
                    <td colSpan={4} class="cell-empty">
                      No API matches “{search}”.
                    </td>
                  </tr>
                )}
                {list.map((resource) => (
                  <tr key={resource.identifier}>
                    <td class="cell-primary" data-label="API">
                      <span class="cell-title">{resource.name || resource.identifier}</span>
                      {resource.platform && <Badge tone="info">Platform</Badge>}
                      <div class="cell-secondary">
                        <code class="mono-small break">{resource.identifier}</code>
                      </div>
                    </td>
                    <td data-label="Scopes">
                      <ScopeList api={resource} />
                    </td>
                    <td data-label="OpenAPI document">
                      <OpenApiSummary api={resource} />
                    </td>
                    <td class="cell-actions" data-label="Actions">
                      {resource.openapi && (
                        <a
                          class="btn btn-secondary btn-small"
                          href={playgroundLink(endpoints.issuer, resource.identifier)}
                          target="_blank"
                          rel="noopener"
                          aria-label={`Try ${resource.name || resource.identifier} in the playground`}
                        >
                          Try
                        </a>
                      )}
                      {resource.platform ? (
                        <span class="muted small">The platform's: read-only</span>
                      ) : (
                        <span class="button-row">
                          {resource.openapi?.source === 'url' && (
                            <button
                              type="button"
                              class="btn btn-secondary btn-small"
                              aria-label={`Refresh the OpenAPI document of ${resource.name || resource.identifier}`}
                              disabled={refresh.busy}
                              onClick={() => void refresh.run(resource)}
                            >
                              Refresh
                            </button>
                          )}
                          <button
                            type="button"
                            class="btn btn-secondary btn-small"
                            aria-label={`Edit ${resource.name || resource.identifier}`}
                            onClick={() => setPending({ kind: 'edit', api: resource })}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            class="btn btn-danger-outline btn-small"
                            aria-label={`Delete ${resource.name || resource.identifier}`}
                            onClick={() => setPending({ kind: 'delete', api: resource })}
                          >
                            Delete
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {!search && page === 0 && list.length === 0 && (
              <EmptyState icon={ServerIcon} title="No APIs registered" action={canAdmin ? createButton : undefined}>
                Register your API with its identifier (e.g. <code>https://api.example.com</code>) and the scopes it defines.
              </EmptyState>
            )}
          </TableWrap>
          <ListPager label="API pages" noun={['API', 'APIs']} count={list.length} list={pages} matching={search} />
        </>
      )}

      {pending?.kind === 'create' && (
        <ApiDialog onClose={() => setPending(undefined)} onSaved={(resource) => saved(resource, `API "${resource.name}" registered.`)} />
      )}
      {pending?.kind === 'edit' && (
        <ApiDialog
          existing={pending.api}
          onClose={() => setPending(undefined)}
          onSaved={(resource) => saved(resource, `API "${resource.name}" saved.`)}
        />
      )}
      {pending?.kind === 'delete' && (
        <DeleteDialog
          what="API"
          name={pending.api.name || pending.api.identifier}
          dependents={() => api.apiDependents(pending.api.identifier)}
          onClose={() => setPending(undefined)}
          onDelete={async () => {
            const { summary } = await api.deleteApi(pending.api.identifier);
            setPending(undefined);
            setNotice(`API "${pending.api.name || pending.api.identifier}" deleted${summary ? `; ${summary}` : ''}.`);
            apis.reload();
          }}
        />
      )}
    </>
  );
}

/** An API's scopes, each with its description beneath when it has one. */
function ScopeList({ api }: { api: ApiResource }) {
  if (api.scopes.length === 0) return <Chips items={[]} empty="Any scope" />;
  return (
    <ul class="scope-list">
      {api.scopes.map((scope) => (
        <li key={scope}>
          <code class="mono-small">{scope}</code>
          {api.scope_descriptions?.[scope] && <span class="cell-secondary"> {api.scope_descriptions[scope]}</span>}
        </li>
      ))}
    </ul>
  );
}

/** What an API's OpenAPI document says of itself, in a few words: "Orders 1.2.0, 5 operations". */
const documentSummary = (api: ApiResource): string => {
  const document = api.openapi;
  if (!document) return 'no document';
  const operations = `${document.operations} ${document.operations === 1 ? 'operation' : 'operations'}`;
  return `${document.title || 'Untitled'} ${document.version}, ${operations}`;
};

/** An API's OpenAPI document in its row: title, version, operations, and the URL it is fetched from. */
function OpenApiSummary({ api }: { api: ApiResource }) {
  const document = api.openapi;
  if (!document) return <span class="muted">None</span>;
  return (
    <>
      <span>{documentSummary(api)}</span>
      <div class="cell-secondary">
        {document.url ? (
          <>
            From <code class="mono-small break">{document.url}</code>
          </>
        ) : (
          'Uploaded'
        )}
      </div>
    </>
  );
}

/** The most an OpenAPI document may be (src/management/openapi-documents.ts), checked before a file is sent. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** What the dialog does with the API's OpenAPI document. */
type DocumentChoice = 'none' | 'keep' | 'file' | 'url' | 'remove';

/** The document's part of the request: a JSON file as JSON, any other (YAML) as its text, which the server parses. */
async function documentFields(
  choice: DocumentChoice,
  file: File | undefined,
  url: string,
): Promise<Pick<ApiChanges, 'openapi' | 'openapi_url'>> {
  if (choice === 'url') return { openapi_url: url.trim() };
  if (choice === 'remove') return { openapi: null };
  if (choice !== 'file' || !file) return {};
  const text = await file.text();
  try {
    return { openapi: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { openapi: text };
  }
}

/** What is wrong with the document's inputs as given. */
function documentProblem(choice: DocumentChoice, file: File | undefined, url: string): { file?: string; url?: string } {
  if (choice === 'file') {
    if (!file) return { file: 'Choose the OpenAPI document’s file (JSON or YAML).' };
    if (file.size > MAX_DOCUMENT_BYTES)
      return { file: `The file is ${Math.ceil(file.size / 1024)} KiB; a document may be at most 1024 KiB.` };
  }
  if (choice === 'url' && !/^https?:\/\/./i.test(url.trim())) return { url: 'Enter the https URL of the OpenAPI document.' };
  return {};
}

interface ScopeRow {
  /** Which row this is while scopes are typed, added and removed (its key). */
  id: number;
  scope: string;
  description: string;
}

let rowsMade = 0;
const scopeRow = (scope = '', description = ''): ScopeRow => ({ id: ++rowsMade, scope, description });

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** What is wrong with the form as typed, field by field; the server judges the rest and says so. */
function problemsOf(identifier: string, rows: readonly Omit<ScopeRow, 'id'>[]): { identifier?: string; scopes: (string | undefined)[] } {
  let identifierProblem: string | undefined;
  if (!identifier.trim()) identifierProblem = 'Enter the identifier of the API.';
  else if (!URL.canParse(identifier.trim())) identifierProblem = 'An identifier is an absolute URI, e.g. https://api.example.com.';
  else if (identifier.includes('#')) identifierProblem = 'An identifier has no fragment (#…).';
  const seen = new Set<string>();
  const scopes = rows.map(({ scope, description }) => {
    const name = scope.trim();
    if (!name) return description.trim() ? 'Enter the scope this describes.' : undefined;
    if (!SCOPE_TOKEN.test(name)) return 'A scope is one word without spaces, quotes or backslashes, e.g. orders:read.';
    if (seen.has(name)) return 'This scope is listed twice.';
    seen.add(name);
    return undefined;
  });
  return { ...(identifierProblem ? { identifier: identifierProblem } : {}), scopes };
}

/** Registers an API, or changes one (its identifier stays: it is the `aud` of the tokens issued for it). */
function ApiDialog({ existing, onClose, onSaved }: { existing?: ApiResource; onClose: () => void; onSaved: (api: ApiResource) => void }) {
  const { api } = useConsole();
  const [identifier, setIdentifier] = useState(existing?.identifier ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [rows, setRows] = useState<ScopeRow[]>(
    existing && existing.scopes.length > 0
      ? existing.scopes.map((scope) => scopeRow(scope, existing.scope_descriptions?.[scope] ?? ''))
      : [scopeRow()],
  );
  const [touched, setTouched] = useState(false);
  const [documentChoice, setDocumentChoice] = useState<DocumentChoice>(existing?.openapi ? 'keep' : 'none');
  const [file, setFile] = useState<File>();
  const [documentUrl, setDocumentUrl] = useState(existing?.openapi?.url ?? '');
  const problems = problemsOf(identifier, rows);
  const documentProblems = documentProblem(documentChoice, file, documentUrl);
  const shown = touched ? problems : { scopes: [] as (string | undefined)[] };
  const shownDocument = touched ? documentProblems : {};
  const save = useAction(async () => {
    const given = rows.filter((row) => row.scope.trim());
    const scopes = given.map((row) => row.scope.trim());
    const scope_descriptions = Object.fromEntries(
      given.filter((row) => row.description.trim()).map((row) => [row.scope.trim(), row.description.trim()]),
    );
    const fields = { name: name.trim(), scopes, scope_descriptions, ...(await documentFields(documentChoice, file, documentUrl)) };
    onSaved(
      existing ? await api.updateApi(existing.identifier, fields) : await api.createApi({ identifier: identifier.trim(), ...fields }),
    );
  });
  const change = (index: number, next: Partial<ScopeRow>) => setRows(rows.map((row, at) => (at === index ? { ...row, ...next } : row)));
  const placed = usePlacedError(save.error, ['openapi', 'openapi_url']);
  const documentOptions: { value: DocumentChoice; label: string; detail: string }[] = [
    existing?.openapi
      ? { value: 'keep', label: 'Keep it', detail: documentSummary(existing) }
      : { value: 'none', label: 'None', detail: 'The playground does not list this API' },
    { value: 'file', label: 'Upload a file', detail: 'A JSON or YAML file, at most 1 MiB' },
    { value: 'url', label: 'From a URL', detail: 'Fetched now; Refresh fetches it again' },
    ...(existing?.openapi ? [{ value: 'remove' as const, label: 'Remove it', detail: 'The API keeps its scopes' }] : []),
  ];

  return (
    <FormDialog
      title={existing ? `Edit ${existing.name || existing.identifier}` : 'Register API'}
      wide
      onClose={onClose}
      noValidate
      busy={save.busy}
      submitLabel={existing ? 'Save API' : 'Register API'}
      busyLabel="Saving…"
      onSubmit={() => {
        setTouched(true);
        const documentOk = !documentProblems.file && !documentProblems.url;
        if (!problems.identifier && problems.scopes.every((problem) => problem === undefined) && documentOk) void save.run();
      }}
    >
      <Field
        label="Identifier"
        error={existing ? undefined : shown.identifier}
        hint={
          existing
            ? 'The audience (aud) of its tokens: it cannot change.'
            : 'An absolute URI, e.g. https://api.example.com. It becomes the aud of its tokens.'
        }
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            class="input mono"
            value={identifier}
            readOnly={Boolean(existing)}
            maxLength={2000}
            autoFocus={!existing}
            spellcheck={false}
            autoComplete="off"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(event) => setIdentifier(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Name" optional hint="Shown on the consent page: “It asks for access to …”.">
        {({ id, describedBy }) => (
          <input
            id={id}
            class="input"
            value={name}
            maxLength={200}
            autoFocus={Boolean(existing)}
            aria-describedby={describedBy}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class="fieldset">
        <legend class="field-label">Scopes</legend>
        <p class="field-hint">
          Tokens for this API carry only these scopes; with none, it accepts any. The description is what the consent page tells the user
          the app may do, e.g. “Read your orders”.
        </p>
        {rows.map((row, index) => (
          <div class="scope-row" key={row.id}>
            <Field label={`Scope ${index + 1}`} error={shown.scopes[index]}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  class="input mono"
                  value={row.scope}
                  maxLength={200}
                  spellcheck={false}
                  autoComplete="off"
                  placeholder="orders:read"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  onInput={(event) => change(index, { scope: event.currentTarget.value })}
                />
              )}
            </Field>
            <Field label={`Description of scope ${index + 1}`} optional>
              {({ id }) => (
                <input
                  id={id}
                  class="input"
                  value={row.description}
                  maxLength={200}
                  placeholder="Read your orders"
                  onInput={(event) => change(index, { description: event.currentTarget.value })}
                />
              )}
            </Field>
            <button
              type="button"
              class="btn btn-ghost btn-small scope-remove"
              aria-label={`Remove scope ${index + 1}${row.scope ? ` (${row.scope})` : ''}`}
              onClick={() => setRows(rows.length === 1 ? [scopeRow()] : rows.filter((_, at) => at !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <button type="button" class="btn btn-secondary btn-small" onClick={() => setRows([...rows, scopeRow()])}>
          <PlusIcon size={14} />
          <span>Add scope</span>
        </button>
      </fieldset>
      <RadioCards
        legend="OpenAPI document (OpenAPI 3.0 or 3.1)"
        name="openapi-source"
        options={documentOptions}
        value={documentChoice}
        onChange={setDocumentChoice}
      />
      <p class="small muted">
        The API playground lists every API with a document, and anyone who opens it can read the document: give the one your API's
        developers may see.
      </p>
      {documentChoice === 'file' && (
        <Field
          label="OpenAPI document file"
          error={shownDocument.file ?? placed.of('openapi')}
          hint="Read in your browser and sent to the server, which checks it."
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="file"
              accept=".json,.yaml,.yml,application/json,application/yaml"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(event) => setFile(event.currentTarget.files?.[0])}
            />
          )}
        </Field>
      )}
      {documentChoice === 'url' && (
        <Field
          label="OpenAPI document URL"
          error={shownDocument.url ?? placed.of('openapi_url')}
          hint="An https URL on the public internet; the server fetches it now, and again when you press Refresh."
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input mono"
              type="url"
              value={documentUrl}
              maxLength={2000}
              spellcheck={false}
              autoComplete="off"
              placeholder="https://api.example.com/openapi.json"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(event) => setDocumentUrl(event.currentTarget.value)}
            />
          )}
        </Field>
      )}
      {placed.unplaced && (
        <Alert tone="error" title={existing ? 'The API was not saved' : 'The API was not registered'}>
          {placed.unplaced.message}
        </Alert>
      )}
    </FormDialog>
  );
}
