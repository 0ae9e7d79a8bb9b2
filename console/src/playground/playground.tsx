import { useEffect, useState } from 'preact/hooks';
import { Logo } from '../components/icons';
import { Alert, PageHeader } from '../components/ui';
import { ApiPicker } from './api-picker';
import { OperationList } from './operation-list';
import { type ApiEntry, fragmentPrefill, loadDocument, type PlaygroundConfig, selectedApiId } from './setup';
import { TokenDetails } from './token-details';
import { TokenGetter } from './token-getter';

/**
 * The API playground: pick an API, get a token (app client, sign-in, or pasted), see it decoded, call the API's
 * operations from this browser. The token is in this component's state only: never stored, gone on reload.
 */
export function Playground({ config, apis }: { config: PlaygroundConfig; apis: ApiEntry[] }) {
  const wanted = selectedApiId();
  const entry = apis.find((api) => api.id === wanted) ?? apis[0];
  const [server, setServer] = useState(entry?.servers[0] ?? '');
  const [token, setToken] = useState('');
  const [document, setDocument] = useState<Record<string, unknown>>();
  const [documentError, setDocumentError] = useState<Error>();
  const [prefill] = useState(fragmentPrefill);

  useEffect(() => {
    window.document.title = entry ? `${entry.title} · Gatehouse API playground` : 'Gatehouse API playground';
    if (entry) loadDocument(entry).then(setDocument, setDocumentError);
  }, []);

  return (
    <div class="pg-shell">
      <a href="#main" class="skip-link">
        Skip to the playground
      </a>
      <header class="pg-topbar">
        <span class="pg-brand">
          <Logo size={24} />
          <span>Gatehouse</span>
          <span class="brand-tag">API playground</span>
        </span>
        <a class="btn btn-ghost btn-small" href={config.console}>
          Console
        </a>
      </header>
      <main id="main" class="pg-main" tabIndex={-1}>
        <PageHeader
          title="API playground"
          description="Get a token, then call an API's operations from this browser: the requests go from here straight to the API."
        />
        {entry === undefined ? (
          <Alert tone="error">This server lists no API for the playground.</Alert>
        ) : (
          <>
            {entry.id !== wanted && (
              <Alert tone="warning" class="page-alert">
                There is no API “{wanted}” here: showing {entry.title} instead.
              </Alert>
            )}
            <ApiPicker apis={apis} entry={entry} server={server} onServer={setServer} clientId={prefill.clientId} />
            <TokenGetter config={config} entry={entry} prefill={prefill} token={token} onToken={setToken} />
            {token.trim() !== '' && <TokenDetails token={token.trim()} />}
            <OperationList document={document} error={documentError} server={server} token={token.trim()} />
          </>
        )}
      </main>
    </div>
  );
}
