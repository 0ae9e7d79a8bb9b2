import { render } from 'preact';
import { Screen, Unavailable } from '../screens';
import { relayCallback } from './callback';
import { Playground } from './playground';
import { isCallbackPage, loadApis, loadConfig, PLAYGROUND } from './setup';
import '../styles.css';
import './playground.css';

const root = document.getElementById('app')!;

/** The playground, or (in the sign-in popup) the callback that hands the code back to it. */
async function start(): Promise<void> {
  if (isCallbackPage()) {
    render(<Screen title={relayCallback()} product={PLAYGROUND} />, root);
    return;
  }
  render(<Screen title="Loading the API playground…" busy product={PLAYGROUND} />, root);
  const [config, apis] = await Promise.all([loadConfig(), loadApis()]);
  render(<Playground config={config} apis={apis} />, root);
}

start().catch((error: unknown) => {
  const message = `${error instanceof Error ? error.message : String(error)} Check that the Gatehouse server is running, then reload.`;
  render(<Unavailable title="The API playground cannot start" product={PLAYGROUND} message={message} />, root);
});
