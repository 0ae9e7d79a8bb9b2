/**
 * A link to the tenant's API playground with an API picked (`api`: an API's identifier, or the built-in `gatehouse`
 * and `demo`), and, for a client's link, its ID and the scopes it may have there in the fragment, which the page reads
 * once and which no server sees. A secret never travels so.
 */
export function playgroundLink(issuer: string, api: string, client?: { clientId: string; scopes: readonly string[] }): string {
  const page = `${issuer}/playground/?api=${encodeURIComponent(api)}`;
  if (!client) return page;
  const fragment = new URLSearchParams({
    client_id: client.clientId,
    ...(client.scopes.length > 0 ? { scope: client.scopes.join(' ') } : {}),
  });
  return `${page}#${fragment.toString()}`;
}
