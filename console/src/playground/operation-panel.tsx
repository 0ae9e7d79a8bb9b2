import { useId, useState } from 'preact/hooks';
import { Alert, Chips } from '../components/ui';
import { buildRequest, parameterKey, type RequestInput } from './api-request';
import { exampleFromSchema } from './json-schema-example';
import { type Operation, type Parameter, type RequestBody, resolveRef } from './openapi-operations';
import { ResponseView } from './response-view';
import { type ApiResponse, sendRequest } from './send-request';

/** The body's text to start from: the document's example, else a skeleton of its schema (JSON bodies pretty-printed). */
function initialBody(body: RequestBody | undefined, document: Record<string, unknown>): string {
  if (!body || body.fields) return '';
  const example = body.example !== undefined ? body.example : exampleFromSchema(body.schema, (schema) => resolveRef(document, schema));
  if (example === undefined) return '';
  if (/json/.test(body.mediaType)) return JSON.stringify(example, null, 2);
  return typeof example === 'string' ? example : JSON.stringify(example);
}

const initialParameters = (operation: Operation): Record<string, string> =>
  Object.fromEntries(
    operation.parameters.map((parameter) => {
      const example = parameter.example ?? parameter.schema?.example ?? parameter.schema?.default;
      return [parameterKey(parameter), example === undefined ? '' : String(example)];
    }),
  );

/** A labelled input; required ones say so in words and to assistive technology. */
function InputField({
  label,
  detail,
  required,
  description,
  choices,
  value,
  onInput,
}: {
  label: string;
  detail: string;
  required: boolean;
  description?: string;
  choices?: string[];
  value: string;
  onInput: (value: string) => void;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id} class="field-label">
        <span class="mono">{label}</span>
        {required && <span class="pg-required"> (required)</span>}
        <span class="pg-param-kind"> {detail}</span>
      </label>
      {choices ? (
        <select id={id} class="input" required={required} value={value} onChange={(event) => onInput(event.currentTarget.value)}>
          <option value="">—</option>
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          class="input mono"
          required={required}
          autoComplete="off"
          spellcheck={false}
          aria-describedby={description ? `${id}-hint` : undefined}
          value={value}
          onInput={(event) => onInput(event.currentTarget.value)}
        />
      )}
      {description && (
        <p class="field-hint" id={`${id}-hint`}>
          {description}
        </p>
      )}
    </div>
  );
}

const typeName = (parameter: Parameter) => {
  const type = parameter.schema?.type;
  return `${parameter.in}${typeof type === 'string' ? ` · ${type}` : ''}`;
};

/** One operation: what it needs, a form for its parameters and body, **Send API Request**, and the answer. */
export function OperationPanel({
  operation,
  document,
  server,
  token,
  headingLevel,
}: {
  operation: Operation;
  document: Record<string, unknown>;
  server: string;
  token: string;
  /** Of the answer's heading: below its tag's heading (h3) when it has one, else below the card's (h2). */
  headingLevel: 3 | 4;
}) {
  const [input, setInput] = useState<RequestInput>(() => ({
    parameters: initialParameters(operation),
    body: initialBody(operation.body, document),
    form: {},
  }));
  const [busy, setBusy] = useState(false);
  const [response, setResponse] = useState<ApiResponse>();
  const [failure, setFailure] = useState<Error>();
  const [sent, setSent] = useState<{ method: string; url: string; withToken: boolean }>();
  const bodyId = useId();
  // The form is built when the operation is first opened (an API may have a hundred), then kept with what was typed.
  const [opened, setOpened] = useState(false);
  const body = operation.body;

  const send = async () => {
    const request = buildRequest(operation, server, input, token);
    setBusy(true);
    setFailure(undefined);
    setResponse(undefined);
    setSent({ method: request.method, url: request.url, withToken: 'authorization' in request.headers });
    try {
      setResponse(await sendRequest(request));
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details
      class="pg-operation"
      onToggle={(event) => {
        if (event.currentTarget.open) setOpened(true);
      }}
    >
      <summary class="pg-operation-summary">
        <span class={`pg-method pg-method-${operation.method}`}>{operation.method.toUpperCase()}</span>
        <span class="mono pg-wrap pg-path">{operation.path}</span>
        {operation.operationId && <span class="pg-operation-id">{operation.operationId}</span>}
        {operation.summary && <span class="muted small pg-operation-text">{operation.summary}</span>}
      </summary>
      {opened && (
        <form
          class="pg-operation-body pg-stack"
          onSubmit={(event) => {
            event.preventDefault();
            send();
          }}
        >
          {operation.deprecated && <Alert tone="warning">This operation is deprecated.</Alert>}
          {operation.description && <p class="small pg-description">{operation.description}</p>}
          <div class="pg-needs small">
            {operation.bearer ? (
              <>
                <span class="muted">Token scopes it asks for:</span> <Chips items={operation.scopes} empty="any token of this API" />
              </>
            ) : (
              <span class="muted">It takes no bearer token: none is sent.</span>
            )}
          </div>
          {operation.parameters.length > 0 && (
            <fieldset class="plain-fieldset">
              <legend class="field-label">Parameters</legend>
              <div class="form-grid">
                {operation.parameters.map((parameter) => {
                  const key = parameterKey(parameter);
                  return (
                    <InputField
                      key={key}
                      label={parameter.name}
                      detail={typeName(parameter)}
                      required={parameter.required}
                      description={parameter.description}
                      value={input.parameters[key] ?? ''}
                      onInput={(value) => setInput({ ...input, parameters: { ...input.parameters, [key]: value } })}
                    />
                  );
                })}
              </div>
            </fieldset>
          )}
          {body?.fields && (
            <fieldset class="plain-fieldset">
              <legend class="field-label">
                Request body <span class="pg-param-kind">({body.mediaType})</span>
              </legend>
              <div class="form-grid">
                {body.fields.map((field) => (
                  <InputField
                    key={field.name}
                    label={field.name}
                    detail="form field"
                    required={field.required}
                    description={field.description}
                    choices={field.choices}
                    value={input.form[field.name] ?? ''}
                    onInput={(value) => setInput({ ...input, form: { ...input.form, [field.name]: value } })}
                  />
                ))}
              </div>
            </fieldset>
          )}
          {body && !body.fields && (
            <div class="field">
              <label for={bodyId} class="field-label">
                Request body <span class="pg-param-kind">({body.mediaType})</span>
                {body.required && <span class="pg-required"> (required)</span>}
              </label>
              <textarea
                id={bodyId}
                class="input mono pg-body-input"
                rows={Math.min(12, Math.max(4, input.body.split('\n').length + 1))}
                spellcheck={false}
                required={body.required}
                value={input.body}
                onInput={(event) => setInput({ ...input, body: event.currentTarget.value })}
              />
            </div>
          )}
          {operation.bearer && token === '' && (
            <p class="small muted">There is no token yet: the request goes without one (expect 401). Get one above.</p>
          )}
          <div>
            <button type="submit" class="btn btn-primary" disabled={busy || server === ''} aria-busy={busy}>
              {busy ? 'Sending…' : 'Send API Request'}
            </button>
          </div>
          {sent && (
            <p class="small pg-wrap">
              <span class="muted">Sent </span>
              <span class="mono">
                {sent.method} {sent.url}
              </span>
              <span class="muted">{sent.withToken ? ' with the token.' : ' without a token.'}</span>
            </p>
          )}
          {/* Present before the answer comes, so that screen readers announce it when it does. */}
          <p class="sr-only" role="status">
            {response ? `Response ${response.status} ${response.statusText} in ${response.milliseconds} ms.` : ''}
          </p>
          {failure && <Alert tone="error">{failure.message}</Alert>}
          {response && <ResponseView response={response} level={headingLevel} />}
        </form>
      )}
    </details>
  );
}
