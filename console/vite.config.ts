import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The developer console: a Preact single-page app served by Gatehouse at /console/ (src/console/routes.ts).
 * Everything is bundled: no CDN, no external fonts, nothing inline (the page's CSP allows only 'self').
 */
export default defineConfig({
  root,
  base: '/console/',
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    // Two pages, one set of assets: the console, and the API playground (served at {tenant}/playground/).
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
        playground: fileURLToPath(new URL('./playground.html', import.meta.url)),
      },
    },
    emptyOutDir: true,
    target: 'es2022',
    // Every supported browser has modulepreload; the polyfill would only add code.
    modulePreload: { polyfill: false },
    // Inlined assets would be data: URLs in CSS or scripts; keep everything a file of this origin.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite --config console/vite.config.ts` for UI work; sign-in and the API go to a Gatehouse on :4444.
    proxy: Object.fromEntries(
      ['/admin', '/oauth2', '/.well-known', '/login', '/logout', '/consent', '/assets', '/console/config.json'].map((path) => [
        path,
        { target: 'http://localhost:4444', changeOrigin: false },
      ]),
    ),
  },
});
