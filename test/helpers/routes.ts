import type { FastifyInstance } from 'fastify';

/** One route of a Fastify app: a method and the URL pattern it was registered with (`/t/:tenant/admin/clients/:id`). */
export interface RouteEntry {
  method: string;
  url: string;
}

const LINE = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([^)]+)\))?$/;

/**
 * Every route the app serves, read from its own router (`printRoutes`), so a test built on it covers a route added
 * later without being told. Fastify's automatic HEAD copies of GET routes are left out: they run the GET handler.
 */
export function routesOf(app: FastifyInstance): RouteEntry[] {
  const prefixes: string[] = [];
  const routes: RouteEntry[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const url = (depth === 0 ? '' : prefixes[depth - 1]!) + match[2]!;
    prefixes[depth] = url;
    prefixes.length = depth + 1;
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push({ method, url });
  }
  return routes;
}
