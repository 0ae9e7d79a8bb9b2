import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { cliActor } from '../admin/audit-log.js';
import type { ApiView, ClientView, DeletionImpact, TenantView, UserView } from '../admin/views.js';
import { type Config, loadConfig } from '../config.js';
import { createGatehouse, type Gatehouse, type PurgeReport } from '../gatehouse.js';
import { isSigningAlgorithm, SIGNING_ALGORITHMS, type SigningAlgorithm } from '../keys/key-store.js';
import type { OpenApiInput } from '../management/apis.js';
import { checkRevocable } from '../management/builtins.js';
import { everyPage, MAX_PAGE_SIZE } from '../management/paging.js';
import { ManagementError } from '../management/validation.js';
import { packageRoot } from '../pages/package-root.js';
import { DEFAULT_TENANT } from '../ports/tenants.js';
import { openStore, storeOptionsOf } from '../store/database.js';
import { describeStore } from '../store/location.js';
import { schemaVersion } from '../store/migrations.js';
import { type PasswordOptions, readNewPassword } from './password-input.js';
import { serve } from './serve-command.js';
import { table } from './table.js';

interface Output {
  json: boolean;
}

interface Confirmation {
  yes?: boolean;
}

/** What a command prints. A command that changes something has the change recorded by the management layer. */
interface CommandResult {
  json: unknown;
  text: string;
}

/** Where a command writes; tests pass their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** All of stdin as text (`--password-stdin`). */
  readStdin: () => Promise<string>;
  /** Asks the person at the terminal; absent when stdin is not a terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Asks the person at the terminal for a secret, not echoed; absent when stdin is not a terminal. */
  readSecret?: (question: string) => Promise<string>;
}

/** A destructive command that was not confirmed; exits 1 with this message. */
class NotConfirmedError extends Error {
  override name = 'NotConfirmedError';
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const words = (value: string): string[] => value.split(/\s+/).filter(Boolean);

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** `--describe scope=text`, repeatable: what each scope lets an app do (the consent page). */
function describedScope(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('give a scope and its description as scope=text');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function yesOrNo(value: string): boolean {
  if (/^(true|yes)$/i.test(value)) return true;
  if (/^(false|no)$/i.test(value)) return false;
  throw new InvalidArgumentError('true or false');
}

/** A deletion's confirmation: what goes, and that it cannot be undone. */
const deletionQuestion = (what: string, impact: DeletionImpact): string =>
  `Delete ${what}?${impact.summary ? ` ${impact.summary.charAt(0).toUpperCase()}${impact.summary.slice(1)}.` : ''} This cannot be undone.`;

/** What a deletion prints: as the admin API answers it ({deleted, summary, counts}), or a sentence. */
const deletionResult = (deleted: string, what: string, impact: DeletionImpact): CommandResult => ({
  json: { deleted, ...impact },
  text: `Deleted ${what}${impact.summary ? `; ${impact.summary}` : ''}.`,
});

const date = (seconds: number | null) => (seconds === null ? '-' : new Date(seconds * 1000).toISOString());

function describeClient(client: ClientView): string {
  return [
    `client_id:    ${client.client_id}`,
    `name:         ${client.name}`,
    ...(client.description ? [`description:  ${client.description}`] : []),
    `status:       ${client.status}`,
    `roles:        ${client.roles.join(', ') || '-'}`,
    ...(client.scope ? [`extra scopes: ${client.scope}`] : []),
    `grant types:  ${client.grant_types.join(', ')}`,
    `auth method:  ${client.token_endpoint_auth_method}`,
    ...(client.redirect_uris.length ? [`redirect URIs: ${client.redirect_uris.join(' ')}`] : []),
    ...(client.access_token_ttl ? [`token lifetime: ${client.access_token_ttl} s`] : []),
    `introspects:  ${client.introspection ? "any client's access tokens (resource server)" : 'its own tokens only'}`,
    `created:      ${date(client.created_at)}`,
  ].join('\n');
}

function describeTenant(tenant: TenantView): string {
  return [
    `id:        ${tenant.id}`,
    `name:      ${tenant.name}`,
    `status:    ${tenant.status}`,
    `issuer:    ${tenant.issuer}`,
    ...(Object.keys(tenant.quotas).length ? [`quotas:    ${JSON.stringify(tenant.quotas)}`] : []),
    ...(Object.keys(tenant.settings).length ? [`settings:  ${JSON.stringify(tenant.settings)}`] : []),
    ...(tenant.allowed_scopes ? [`scopes:    ${tenant.allowed_scopes.join(' ')}`] : []),
    `created:   ${date(tenant.created_at)}`,
    ...(tenant.suspended_at ? [`suspended: ${date(tenant.suspended_at)}`] : []),
  ].join('\n');
}

function describeUser(user: UserView): string {
  return [
    `id:        ${user.id}`,
    `username:  ${user.username}`,
    ...(user.name ? [`name:      ${user.name}`] : []),
    ...(user.email ? [`email:     ${user.email}${user.email_verified ? ' (verified)' : ''}`] : []),
    `status:    ${user.status}`,
    ...(user.roles.length ? [`roles:     ${user.roles.join(', ')}`] : []),
    `created:   ${date(user.created_at)}`,
  ].join('\n');
}

function describePurge({ deleted, sqlite }: PurgeReport): string {
  const width = Math.max(...Object.keys(deleted).map((table) => table.length));
  const lines = Object.entries(deleted).map(([table, count]) => `${table.padEnd(width)}  ${count} deleted`);
  if (sqlite) {
    const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    const free = (pages: number, of: number) => `${of ? Math.round((100 * pages) / of) : 0} % free`;
    lines.push(
      `SQLite file: ${mib(sqlite.before.fileBytes)} (${free(sqlite.before.freePages, sqlite.before.pageCount)}) -> ${mib(sqlite.after.fileBytes)} (${free(sqlite.after.freePages, sqlite.after.pageCount)})` +
        (sqlite.converted ? '; switched to incremental auto-vacuum' : ''),
    );
  }
  return lines.join('\n');
}

/** What `apis create` and `apis update` take, as commander parses them. */
interface ApiOptions {
  name?: string;
  scopes?: string[];
  describe?: Record<string, string>;
  platform?: boolean;
  /** A file's path or an http(s) URL; false (`--no-openapi`, update only): remove the document. */
  openapi?: string | false;
}

/**
 * `--openapi FILE|URL` as the management layer takes it: a URL to fetch the document from (the server's guarded
 * fetcher decides whether it may), or the file's text (JSON or YAML, parsed and validated there).
 */
function openApiInput(source: string | false | undefined): OpenApiInput {
  if (source === undefined) return {};
  if (source === false) return { openapi: null };
  if (/^https?:\/\//i.test(source)) return { openapiUrl: source };
  try {
    return { openapi: readFileSync(source, 'utf8') };
  } catch (error) {
    throw new ManagementError(
      `--openapi: cannot read the file ${source} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** The OpenAPI document of an API, in a line of `apis create|update|list|refresh-openapi`. */
const describeOpenApi = (api: ApiView): string =>
  api.openapi
    ? `${api.openapi.title} ${api.openapi.version}, ${api.openapi.operations} operations${api.openapi.url ? ` (from ${api.openapi.url})` : ''}`
    : '';

interface NewUserOptions extends PasswordOptions {
  username: string;
  email?: string;
  name?: string;
  admin?: boolean;
}

/** The settings `clients create` and `clients update` share, as commander parses them. */
interface ClientOptions {
  name?: string;
  description?: string;
  roles?: string[];
  scopes?: string[];
  /** The old name of --scopes, still accepted. */
  scope?: string[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  accessTokenTtl?: number;
  introspection?: boolean;
}

interface NewClientOptions extends ClientOptions {
  name: string;
  grantTypes?: string[];
  idTokenAlg?: string;
  public?: boolean;
}

/**
 * The client fields `clients create` and `clients update` share, as the management layer takes them: what is not
 * given is left out.
 */
function clientChangesOf(options: ClientOptions) {
  if (options.scopes && options.scope) throw new ManagementError('--scope is the old name of --scopes: give the scopes once');
  const scopes = options.scopes ?? options.scope;
  return {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.roles ? { roles: options.roles } : {}),
    ...(scopes ? { scopes } : {}),
    ...(options.redirectUris ? { redirectUris: options.redirectUris } : {}),
    ...(options.postLogoutRedirectUris ? { postLogoutRedirectUris: options.postLogoutRedirectUris } : {}),
    ...(options.accessTokenTtl === undefined ? {} : { accessTokenTtl: options.accessTokenTtl }),
    ...(options.introspection === undefined ? {} : { introspection: options.introspection }),
  };
}

/** `--scope`, the name `clients create/update` gave --scopes before every command said --scopes: hidden, still taken. */
const oldScopeOption = () => new Option('--scope <"a b">', 'old name of --scopes').argParser(words).hideHelp();

const INTROSPECTION_HELP = "a resource server: may introspect any client's access tokens (RFC 7662 §4); without it only its own";

const secretNotice = (secret: string) =>
  `client_secret: ${secret}\n\nStore the secret now: it is shown only this once and Gatehouse keeps only its hash.`;

/** The version in Gatehouse's own package.json, wherever the package is installed. */
const packageVersion = (): string => (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** The `gatehouse` command line (DESIGN §2). Every command works on the store named by the environment. */
export function buildProgram(io: Io): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: an OAuth 2.1 / OpenID Connect authorization server')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .option('--tenant <id>', 'the tenant a command works on (default: the default tenant)');

  const config = (overrides: Record<string, string> = {}): Config => loadConfig({ ...io.env, ...overrides });
  /**
   * The settings of a command that opens the store, said first on stderr (stdout stays the result, --json or not):
   * a command run from another directory or shell must not silently work on another ./data, nor print URLs of
   * another issuer.
   */
  const announcedConfig = (): Config => {
    const settings = config();
    io.stderr(`gatehouse: store ${describeStore(settings)}, issuer ${settings.issuer}\n`);
    return settings;
  };
  /**
   * The deployment opened, with the services of the tenant `--tenant` names in place of the default tenant's (the
   * tenant's issuer said on stderr); a command of the whole deployment (`wholeDeployment`) refuses a tenant.
   */
  const chosenTenant = (): string => program.opts<{ tenant?: string }>().tenant ?? DEFAULT_TENANT;
  const refuseTenant = (): void => {
    if (chosenTenant() !== DEFAULT_TENANT) throw new ManagementError('this command works on the whole deployment: leave out --tenant');
  };
  const openTenant = async (wholeDeployment: boolean): Promise<Gatehouse> => {
    if (wholeDeployment) refuseTenant();
    const tenant = chosenTenant();
    const root = await createGatehouse(announcedConfig());
    if (tenant === DEFAULT_TENANT) return root;
    const services = await root.tenants.open(tenant).catch(async (error: unknown) => {
      await root.close();
      throw error;
    });
    if (!services) {
      await root.close();
      throw new ManagementError(`no tenant "${tenant}" (see gatehouse tenants list)`);
    }
    io.stderr(`gatehouse: tenant ${tenant}, issuer ${services.config.issuer}\n`);
    return { ...root, ...services };
  };
  /** With --platform, the platform's APIs and role templates (of the whole deployment); the tenant's own otherwise. */
  const definitionsOf = (gatehouse: Gatehouse, options: { platform?: boolean }) => {
    if (!options.platform) return gatehouse.management;
    refuseTenant();
    return gatehouse.platform;
  };
  const platformOption = () => new Option('--platform', "the platform's, which every tenant has and none changes (not with --tenant)");
  /** Runs `work` against an open store and prints its result as JSON or as text. */
  const withGatehouse =
    <A extends unknown[]>(work: (gatehouse: Gatehouse, ...args: A) => Promise<CommandResult>, wholeDeployment = false) =>
    async (...args: A) => {
      const options = args.at(-2) as Output;
      const gatehouse = await openTenant(wholeDeployment);
      try {
        const result = await work(gatehouse, ...args);
        io.stdout(options.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
      } finally {
        await gatehouse.close();
      }
    };
  const jsonOption = () => new Option('--json', 'print exactly one JSON document');
  const yesOption = () => new Option('--yes', 'do it without asking (required when stdin is not a terminal)');
  /** Goes on only with --yes or a "yes" typed at the terminal (ASVS: confirm destructive actions). */
  const confirm = async (options: Confirmation, command: string, question: string): Promise<void> => {
    if (options.yes) return;
    if (!io.confirm) throw new NotConfirmedError(`${question} Add --yes to "gatehouse ${command}" to do it without a terminal.`);
    if (!(await io.confirm(question))) throw new NotConfirmedError('Nothing changed.');
  };

  program
    .command('serve')
    .description('start the server')
    .option('--port <n>', 'port to listen on (default: $PORT or 4444)', integer(0, 65535))
    .option('--workers <n>', 'worker processes sharing the port', integer(1, 64), 1)
    .action(async (options: { port?: number; workers: number }) => {
      await serve(config(options.port === undefined ? {} : { PORT: String(options.port) }), options.workers, io.stderr);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .addOption(jsonOption())
    .action(async (options: Output) => {
      refuseTenant();
      const settings = announcedConfig();
      // Migrated before the instance is built: building it reads the tenants table, which migrations make.
      const store = await openStore(storeOptionsOf(settings, false));
      const applied = await store.migrate().finally(() => store.close());
      const gatehouse = await createGatehouse(settings, { migrate: false });
      try {
        await gatehouse.prepareKeys();
        const { dialect } = gatehouse.store;
        // The schema version is the latest migration recorded in the database (which a deployment can compare).
        const version = await schemaVersion(gatehouse.store.db);
        const done = applied.length ? `Applied: ${applied.join(', ')}.` : 'The schema is up to date.';
        const json = JSON.stringify({ applied, dialect, schema_version: version });
        io.stdout(options.json ? `${json}\n` : `${done} Schema version ${version} (${dialect})\n`);
      } finally {
        await gatehouse.close();
      }
    });

  program
    .command('purge')
    .description("delete expired records, unused grants and old audit events now, and give SQLite's free space back")
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse) => {
        const report = await gatehouse.purgeExpired({ onDemand: true });
        await gatehouse.audit.record(cliActor(), 'store.purged', gatehouse.store.dialect, { deleted: report.deleted });
        return { json: report, text: describePurge(report) };
      }, true),
    );

  const clients = program.command('clients').description('app clients');
  clients
    .command('create')
    .description('create an app client; a confidential client gets a secret, shown once')
    .requiredOption('--name <name>', 'display name')
    .option('--description <text>', 'what the client is for')
    .option('--roles <r1,r2>', 'roles whose scopes the client may request', list)
    .option('--scopes <"a b">', 'scopes given directly, beside those of the roles', words)
    .addOption(oldScopeOption())
    .option('--grant-types <g1,g2>', 'allowed grants (default: client_credentials; public: authorization_code,refresh_token)', list)
    .option('--redirect-uris <u1,u2>', 'allowed redirect URIs', list)
    .option('--post-logout-redirect-uris <u1,u2>', 'allowed post_logout_redirect_uri values', list)
    .addOption(new Option('--id-token-alg <alg>', 'ID token signing algorithm').choices(['RS256', 'ES256']))
    .option('--access-token-ttl <seconds>', 'access token lifetime for this client', integer(60, 86400))
    .option('--public', 'a public client (no secret; browser or native apps)')
    .option('--introspection', INTROSPECTION_HELP)
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: NewClientOptions) => {
        const input = {
          ...clientChangesOf(options),
          name: options.name,
          ...(options.grantTypes ? { grantTypes: options.grantTypes } : {}),
          ...(options.idTokenAlg ? { idTokenSignedResponseAlg: options.idTokenAlg } : {}),
          public: options.public === true,
        };
        const { client, clientSecret } = await gatehouse.management.clients.createClient(input, cliActor());
        return {
          json: { ...client, ...(clientSecret ? { client_secret: clientSecret } : {}) },
          text: `Created app client "${client.name}"\n${describeClient(client)}${clientSecret ? `\n${secretNotice(clientSecret)}` : ''}`,
        };
      }),
    );
  clients
    .command('update <id>')
    .description('change an app client; what is not given stays as it is')
    .option('--name <name>', 'display name')
    .option('--description <text>', 'what the client is for')
    .option('--roles <r1,r2>', 'roles whose scopes the client may request (replaces the list)', list)
    .option('--scopes <"a b">', 'scopes given directly, beside those of the roles (replaces them)', words)
    .addOption(oldScopeOption())
    .option('--redirect-uris <u1,u2>', 'allowed redirect URIs (replaces the list)', list)
    .option('--post-logout-redirect-uris <u1,u2>', 'allowed post_logout_redirect_uri values (replaces the list)', list)
    .option('--access-token-ttl <seconds>', 'access token lifetime for this client', integer(60, 86400))
    .option('--introspection', INTROSPECTION_HELP)
    .option('--no-introspection', 'take the resource-server right away: the client introspects only its own tokens')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: ClientOptions) => {
        const changes = clientChangesOf(options);
        if (Object.keys(changes).length === 0) {
          throw new ManagementError('nothing to change: give at least one option (see gatehouse clients update --help)');
        }
        const client = await gatehouse.management.clients.updateClient(id, changes, cliActor());
        return { json: client, text: `Updated app client "${client.name}"\n${describeClient(client)}` };
      }),
    );
  clients
    .command('list')
    .description('list app clients')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse) => {
        const all = await everyPage((after) => gatehouse.management.clients.listClients({ after, limit: MAX_PAGE_SIZE }));
        const text = all.length
          ? table(
              ['CLIENT ID', 'STATUS', 'NAME', 'ROLES', 'GRANT TYPES'],
              all.map((c) => [c.client_id, c.status, c.name, c.roles.join(','), c.grant_types.join(',')]),
            )
          : 'No app clients yet. Create one with: gatehouse clients create --name NAME --roles ROLE';
        return { json: all, text };
      }),
    );
  clients
    .command('get <id>')
    .description('show one app client')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string) => {
        const client = await gatehouse.management.clients.getClient(id);
        return { json: client, text: describeClient(client) };
      }),
    );
  clients
    .command('revoke <id>')
    .description('disable an app client; its tokens are refused from now on')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: Confirmation) => {
        const target = await gatehouse.management.clients.getClient(id);
        checkRevocable(target.client_id);
        await confirm(
          options,
          'clients revoke',
          `Revoke app client ${target.client_id} ("${target.name}") for good? Its tokens are refused from now on.`,
        );
        const client = await gatehouse.management.clients.revokeClient(id, cliActor());
        return { json: client, text: `Revoked app client ${client.client_id} ("${client.name}")` };
      }),
    );
  clients
    .command('delete <id>')
    .description('delete an app client, the consents users gave it and its grants (its tokens are refused)')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: Confirmation) => {
        const { clients } = gatehouse.management;
        const target = await clients.getClient(id);
        const what = `app client ${target.client_id} ("${target.name}")`;
        await confirm(options, 'clients delete', deletionQuestion(what, await clients.clientDependents(id)));
        return deletionResult(target.client_id, what, await clients.deleteClient(id, cliActor()));
      }),
    );
  clients
    .command('rotate-secret <id>')
    .description('issue a new secret; the previous one keeps working for a grace period')
    .option(
      '--grace <seconds>',
      'how long the previous secret stays valid (default: $GATEHOUSE_SECRET_ROTATION_GRACE or 86400)',
      integer(0, 30 * 86400),
    )
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: { grace?: number } & Confirmation) => {
        const target = await gatehouse.management.clients.getClient(id);
        await confirm(
          options,
          'clients rotate-secret',
          `Issue a new secret for ${target.client_id} ("${target.name}")? Every deployment must switch to it before the grace period ends.`,
        );
        const { client, clientSecret } = await gatehouse.management.clients.rotateSecret(id, options.grace, cliActor());
        const until =
          client.previous_secret_expires_at === null
            ? 'is no longer valid'
            : `stays valid until ${date(client.previous_secret_expires_at)}`;
        return {
          json: { ...client, client_secret: clientSecret },
          text: `New secret for ${client.client_id} ("${client.name}"); the previous one ${until}\n${secretNotice(clientSecret)}`,
        };
      }),
    );

  const roles = program.command('roles').description('roles: named sets of scopes');
  roles
    .command('create')
    .description('create a role')
    .requiredOption('--name <name>', 'role name')
    .requiredOption('--scopes <"a b">', 'space-separated scopes', words)
    .option('--description <text>', 'what the role is for')
    .addOption(platformOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: { name: string; scopes: string[]; description?: string; platform?: boolean }) => {
        const { platform: _platform, ...input } = options;
        const role = await definitionsOf(gatehouse, options).roles.createRole(input, cliActor());
        const what = role.platform ? 'role template' : 'role';
        return { json: role, text: `Created ${what} "${role.name}" with scopes: ${role.scopes.join(' ') || '(none)'}` };
      }),
    );
  roles
    .command('list')
    .description("list roles (a tenant's own and the platform's templates, each marked own or platform)")
    .addOption(platformOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: { platform?: boolean }) => {
        const { roles } = definitionsOf(gatehouse, options);
        const all = await everyPage((after) => roles.listRoles({ after, limit: MAX_PAGE_SIZE }));
        const rows = all.map((r) => [r.name, r.scopes.join(' '), r.platform ? 'platform' : 'own', r.description]);
        const text = all.length ? table(['NAME', 'SCOPES', 'OWNER', 'DESCRIPTION'], rows) : 'No roles yet.';
        return { json: all, text };
      }),
    );

  roles
    .command('delete <name>')
    .description('delete a role; the clients and users holding it lose it (the admin role cannot be deleted)')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, name: string, options: Confirmation) => {
        const { roles } = gatehouse.management;
        await confirm(options, 'roles delete', deletionQuestion(`role "${name}"`, await roles.roleDependents(name)));
        return deletionResult(name, `role "${name}"`, await roles.deleteRole(name, cliActor()));
      }),
    );

  const apis = program.command('apis').description('APIs (resource servers) that tokens can be issued for');
  apis
    .command('create')
    .description('register an API; clients name it with the RFC 8707 resource parameter')
    .requiredOption('--identifier <uri>', 'absolute URI; becomes the aud of its tokens')
    .option('--name <name>', 'display name')
    .option('--scopes <"a b">', 'scopes the API defines (tokens for it carry no others)', words)
    .option('--describe <scope=text>', 'what a scope lets an app do, shown on the consent page (repeatable)', describedScope)
    .option('--openapi <file|url>', 'its OpenAPI 3.0/3.1 document: a JSON or YAML file, or an https URL fetched once now')
    .addOption(platformOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: ApiOptions & { identifier: string }) => {
        const input = {
          identifier: options.identifier,
          name: options.name ?? '',
          scopes: options.scopes ?? [],
          scopeDescriptions: options.describe ?? {},
          ...openApiInput(options.openapi),
        };
        const api = await definitionsOf(gatehouse, options).apis.createApi(input, cliActor());
        const document = api.openapi ? `, OpenAPI ${describeOpenApi(api)}` : '';
        return { json: api, text: `Registered API ${api.identifier} ("${api.name}")${document}` };
      }),
    );
  apis
    .command('list')
    .description("list registered APIs (a tenant's own and the platform's, each marked own or platform)")
    .addOption(platformOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: { platform?: boolean }) => {
        const { apis } = definitionsOf(gatehouse, options);
        const all = await everyPage((after) => apis.listApis({ after, limit: MAX_PAGE_SIZE }));
        // A registered API without scopes of its own accepts any scope (store/apis.ts).
        const registered = all.map((a) => [
          a.identifier,
          a.name,
          a.scopes.join(' ') || '(any)',
          a.platform ? 'platform' : 'own',
          describeOpenApi(a) || '-',
        ]);
        const headers = ['IDENTIFIER', 'NAME', 'SCOPES', 'OWNER', 'OPENAPI'];
        if (options.platform) return { json: { apis: all }, text: all.length ? table(headers, registered) : 'No platform APIs yet.' };
        const rows = [[gatehouse.config.defaultAudience, '(default API)', '', '', ''], ...registered];
        return { json: { default: gatehouse.config.defaultAudience, apis: all }, text: table(headers, rows) };
      }),
    );

  apis
    .command('update <identifier>')
    .description("change an API's name, scopes or scope descriptions")
    .option('--name <name>', 'display name')
    .option('--scopes <"a b">', 'exactly these scopes (descriptions of scopes left out go)', words)
    .option('--describe <scope=text>', 'what a scope lets an app do; replaces every description (repeatable)', describedScope)
    .option('--openapi <file|url>', 'replace its OpenAPI document: a JSON or YAML file, or an https URL fetched once now')
    .option('--no-openapi', 'remove its OpenAPI document')
    .addOption(platformOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, identifier: string, options: ApiOptions) => {
        const changes = {
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.scopes ? { scopes: options.scopes } : {}),
          ...(options.describe ? { scopeDescriptions: options.describe } : {}),
          ...openApiInput(options.openapi),
        };
        if (Object.keys(changes).length === 0) {
          throw new ManagementError('nothing to change: give --name, --scopes, --describe, --openapi or --no-openapi');
        }
        const api = await definitionsOf(gatehouse, options).apis.updateApi(identifier, changes, cliActor());
        const document = api.openapi ? `, OpenAPI ${describeOpenApi(api)}` : '';
        return { json: api, text: `Updated API ${api.identifier} ("${api.name}")${document}` };
      }),
    );
  apis
    .command('refresh-openapi <identifier>')
    .description('fetch the OpenAPI document of an API again from the URL it was fetched from')
    .addOption(platformOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, identifier: string, options: { platform?: boolean }) => {
        const api = await definitionsOf(gatehouse, options).apis.refreshOpenApi(identifier, cliActor());
        return { json: api, text: `Refreshed the OpenAPI document of ${api.identifier}: ${describeOpenApi(api)}` };
      }),
    );
  apis
    .command('delete <identifier>')
    .description('delete an API with the consents given for it and its grants (its tokens are refused)')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, identifier: string, options: Confirmation) => {
        const { apis } = gatehouse.management;
        await confirm(options, 'apis delete', deletionQuestion(`API ${identifier}`, await apis.apiDependents(identifier)));
        return deletionResult(identifier, `API ${identifier}`, await apis.deleteApi(identifier, cliActor()));
      }),
    );

  const users = program.command('users').description('people who sign in');
  users
    .command('create')
    .description('create a user')
    .requiredOption('--username <name>', 'sign-in name (case-insensitive)')
    .option('--password-stdin', 'read the password from stdin (without it, it is asked at the terminal)')
    // Hidden and warned about: kept only so that old scripts go on working.
    .addOption(new Option('--password <password>', 'deprecated: visible in the process list; use --password-stdin').hideHelp())
    .option('--email <email>', 'email address (taken as verified)')
    .option('--name <name>', 'display name')
    .option('--admin', 'give the user the admin role (scope gatehouse:admin)')
    .addOption(jsonOption())
    .addHelpText('after', '\nThe password: 8-1024 characters; not a common password, nor the username.')
    .action(
      withGatehouse(async (gatehouse, options: NewUserOptions) => {
        const { users, roles } = gatehouse.management;
        const input = {
          username: options.username,
          password: await readNewPassword(options, io),
          ...(options.email ? { email: options.email, emailVerified: true } : {}),
          ...(options.name ? { name: options.name } : {}),
          ...(options.admin ? { roles: [await roles.ensureAdminRole()] } : {}),
        };
        const user = await users.createUser(input, cliActor());
        return { json: user, text: `Created user "${user.username}"\n${describeUser(user)}` };
      }),
    );
  users
    .command('list')
    .description('list users')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse) => {
        const all = await everyPage((after) => gatehouse.management.users.listUsers({ after, limit: MAX_PAGE_SIZE }));
        const rows = all.map((u) => [u.id, u.username, u.status, u.roles.join(','), u.email ?? '']);
        return { json: all, text: all.length ? table(['ID', 'USERNAME', 'STATUS', 'ROLES', 'EMAIL'], rows) : 'No users yet.' };
      }),
    );
  users
    .command('get <id-or-username>')
    .description('show one user')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string) => {
        const user = await gatehouse.management.users.getUser(id);
        return { json: user, text: describeUser(user) };
      }),
    );
  users
    .command('disable <id-or-username>')
    .description('stop a user from signing in; ends their sessions and revokes every token they gave')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: Confirmation) => {
        const target = await gatehouse.management.users.getUser(id);
        await confirm(
          options,
          'users disable',
          `Disable user "${target.username}"? Their sessions end and every token they gave is revoked.`,
        );
        const user = await gatehouse.management.users.disableUser(id, cliActor());
        return { json: user, text: `Disabled user "${user.username}"` };
      }),
    );
  users
    .command('update <id-or-username>')
    .description("change a user's roles or profile (the last active administrator keeps the admin role)")
    .option('--roles <r1,r2>', 'exactly these roles ("" for none)', (value) => list(value))
    .option('--name <name>', 'display name ("" for none)')
    .option('--email <email>', 'email address ("" for none); a new one is unverified unless --email-verified true')
    .option('--email-verified <true|false>', 'whether the email address is verified', yesOrNo)
    .addOption(jsonOption())
    .action(
      withGatehouse(
        async (gatehouse, id: string, options: { roles?: string[]; name?: string; email?: string; emailVerified?: boolean }) => {
          const { roles, name, email, emailVerified } = options;
          const changes = Object.fromEntries(
            Object.entries({ roles, name, email, emailVerified }).filter(([, value]) => value !== undefined),
          );
          if (Object.keys(changes).length === 0) {
            throw new ManagementError('nothing to change: give --roles, --name, --email or --email-verified');
          }
          const user = await gatehouse.management.users.updateUser(id, changes, cliActor());
          return { json: user, text: `Updated user "${user.username}"\n${describeUser(user)}` };
        },
      ),
    );
  users
    .command('set-password <id-or-username>')
    .description("set a user's password (judged by the password policy); ends their sessions")
    .option('--password-stdin', 'read the password from stdin (without it, it is asked at the terminal)')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: PasswordOptions) => {
        const { users } = gatehouse.management;
        await users.getUser(id);
        const user = await users.setPassword(id, await readNewPassword(options, io), cliActor());
        return { json: user, text: `Set a new password for "${user.username}"; their sessions have ended` };
      }),
    );
  users
    .command('delete <id-or-username>')
    .description('delete a user; their sessions end, their consents go and every token they gave is revoked')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: Confirmation) => {
        const { users } = gatehouse.management;
        const target = await users.getUser(id);
        const what = `user "${target.username}"`;
        await confirm(options, 'users delete', deletionQuestion(what, await users.userDependents(target.id)));
        return deletionResult(target.id, what, await users.deleteUser(target.id, cliActor()));
      }),
    );
  users
    .command('enable <id-or-username>')
    .description('let a disabled user sign in again (the tokens revoked when they were disabled stay revoked)')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string) => {
        const user = await gatehouse.management.users.enableUser(id, cliActor());
        return { json: user, text: `Enabled user "${user.username}"` };
      }),
    );

  const keys = program.command('keys').description('token signing keys');
  keys
    .command('list')
    .description('list signing keys')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse) => {
        await gatehouse.prepareKeys();
        const all = await gatehouse.management.keys.list();
        return {
          json: all,
          text: table(
            ['KID', 'ALG', 'STATUS', 'CREATED', 'PUBLISHED UNTIL'],
            all.map((k) => [k.kid, k.alg, k.status, date(k.created_at), k.publish_until ? date(k.publish_until) : '']),
          ),
        };
      }),
    );
  keys
    .command('rotate')
    .description('sign with new keys; old public keys stay published until their tokens expire')
    .addOption(new Option('--alg <alg>', 'rotate only this algorithm').choices([...SIGNING_ALGORITHMS]))
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: { alg?: string } & Confirmation) => {
        await gatehouse.prepareKeys();
        await confirm(
          options,
          'keys rotate',
          `Sign with new ${options.alg ?? 'ES256 and RS256'} keys from now on? Old public keys stay published until their tokens expire.`,
        );
        const algorithms: SigningAlgorithm[] = options.alg && isSigningAlgorithm(options.alg) ? [options.alg] : [...SIGNING_ALGORITHMS];
        const rotated = await gatehouse.management.keys.rotate(algorithms, cliActor());
        return {
          json: rotated,
          text: rotated.map((r) => `${r.alg}: now signing with ${r.kid}${r.retired ? ` (retired ${r.retired})` : ''}`).join('\n'),
        };
      }),
    );

  const tenants = program.command('tenants').description("tenants: the platform's customer accounts, each its own issuer");
  /** A quota's value: a whole number, or "none" for no limit (null in the change; Commander turns a null into ''). */
  const quotaValue = (value: string): number | 'none' => (value === 'none' ? 'none' : integer(0, 10_000_000)(value));
  const QUOTAS = [
    ['--max-clients', 'maxClients', 'app clients'],
    ['--max-users', 'maxUsers', 'users'],
    ['--max-roles', 'maxRoles', 'roles'],
    ['--max-apis', 'maxApis', 'APIs'],
  ] as const;
  type QuotaOptions = { [K in (typeof QUOTAS)[number][1]]?: number | 'none' };
  const withQuotaOptions = (command: Command): Command => {
    for (const [flag, , what] of QUOTAS)
      command.option(`${flag} <n|none>`, `quota: at most this many ${what} ("none": no limit)`, quotaValue);
    return command;
  };
  const quotasOf = (options: QuotaOptions) =>
    Object.fromEntries(
      QUOTAS.flatMap(([, name]) => (options[name] === undefined ? [] : [[name, options[name] === 'none' ? null : options[name]]])),
    );
  const allowedScopesOf = (value: string[] | undefined) =>
    value === undefined ? {} : { allowedScopes: value.join(' ') === 'any' ? null : value };
  const allowedScopesHelp = 'the platform scopes its own roles and clients may use ("any": no limit, the default)';

  withQuotaOptions(
    tenants
      .command('create')
      .description('create a tenant; its signing key is made when it is first used')
      .requiredOption('--id <slug>', 'lowercase slug in its URLs: {issuer}/t/{slug} or {slug}.{GATEHOUSE_TENANT_HOSTS domain}')
      .requiredOption('--name <name>', 'display name'),
  )
    .option('--allowed-scopes <"a b">', allowedScopesHelp, words)
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: { id: string; name: string; allowedScopes?: string[] } & QuotaOptions) => {
        const input = { id: options.id, name: options.name, quotas: quotasOf(options), ...allowedScopesOf(options.allowedScopes) };
        const tenant = await gatehouse.platform.tenants.create(input, cliActor());
        return { json: tenant, text: `Created tenant "${tenant.name}"\n${describeTenant(tenant)}` };
      }, true),
    );
  withQuotaOptions(tenants.command('update <id>').description("change a tenant's name, quotas, allowed scopes or page settings"))
    .option('--name <name>', 'display name in lists')
    .option('--allowed-scopes <"a b">', allowedScopesHelp, words)
    .option('--display-name <text>', 'the name its sign-in pages show')
    .option('--logo-url <https-url>', 'the logo its sign-in pages show')
    .option('--primary-color <#rrggbb>', "its sign-in pages' accent colour")
    .option('--signup <on|off>', 'whether people may create their own accounts', (value) => {
      if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('expected on or off');
      return value === 'on';
    })
    .addOption(jsonOption())
    .action(
      withGatehouse(
        async (
          gatehouse,
          id: string,
          options: {
            name?: string;
            allowedScopes?: string[];
            displayName?: string;
            logoUrl?: string;
            primaryColor?: string;
            signup?: boolean;
          } & QuotaOptions,
        ) => {
          const settings = {
            ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
            ...(options.logoUrl === undefined ? {} : { logoUrl: options.logoUrl }),
            ...(options.primaryColor === undefined ? {} : { primaryColor: options.primaryColor }),
            ...(options.signup === undefined ? {} : { signupEnabled: options.signup }),
          };
          const quotas = quotasOf(options);
          const changes = {
            ...(options.name === undefined ? {} : { name: options.name }),
            ...(Object.keys(settings).length ? { settings } : {}),
            ...(Object.keys(quotas).length ? { quotas } : {}),
            ...allowedScopesOf(options.allowedScopes),
          };
          if (Object.keys(changes).length === 0) throw new ManagementError('nothing to change: give at least one option (see --help)');
          const tenant = await gatehouse.platform.tenants.update(id, changes, cliActor());
          return { json: tenant, text: `Updated tenant "${tenant.name}"\n${describeTenant(tenant)}` };
        },
        true,
      ),
    );
  tenants
    .command('list')
    .description('list tenants, a page at a time')
    .option('--search <text>', 'only tenants whose id starts with it or whose name contains it')
    .option('--after <id>', 'the page after this tenant id (the "next" of the previous page)')
    .option('--limit <n>', 'tenants per page', integer(1, 500), 50)
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, options: { search?: string; after?: string; limit: number }) => {
        const page = await gatehouse.platform.tenants.list(options);
        const rows = page.tenants.map((t) => [t.id, t.status, t.name, t.issuer]);
        const more = page.next ? `\nMore: gatehouse tenants list --after ${page.next}` : '';
        return { json: page, text: rows.length ? table(['ID', 'STATUS', 'NAME', 'ISSUER'], rows) + more : 'No tenants match.' };
      }, true),
    );
  tenants
    .command('get <id>')
    .description('show one tenant')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string) => {
        const tenant = await gatehouse.platform.tenants.get(id);
        return { json: tenant, text: describeTenant(tenant) };
      }, true),
    );
  for (const [command, description] of [
    ['suspend', 'suspend a tenant: its tokens are refused and its sign-in closed until it is resumed'],
    ['resume', 'resume a suspended tenant'],
  ] as const) {
    tenants
      .command(`${command} <id>`)
      .description(description)
      .addOption(yesOption())
      .addOption(jsonOption())
      .action(
        withGatehouse(async (gatehouse, id: string, options: Confirmation) => {
          if (command === 'suspend') {
            await confirm(options, `tenants suspend ${id}`, `Suspend tenant "${id}"? Every token of it is refused from now on.`);
          }
          const tenant = await gatehouse.platform.tenants[command](id, cliActor());
          return { json: tenant, text: describeTenant(tenant) };
        }, true),
      );
  }
  tenants
    .command('invite <id>')
    .description("invite someone to a tenant's team, its first owner say: mails them a link (or writes it to the outbox) and prints it")
    .requiredOption('--email <address>', 'whom the link is for')
    .option('--role <role>', 'their account role: owner, admin, developer or viewer', 'owner')
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: { email: string; role: string }) => {
        const tenant = await gatehouse.tenants.open(id);
        if (!tenant) throw new ManagementError(`no tenant "${id}"`, 'not_found');
        const created = await tenant.management.members.invite(options, cliActor());
        const mailed = created.emailed
          ? 'It was mailed to them; the link is shown only now:'
          : `It could not be mailed (${created.email_error}); send them this link yourself, shown only now:`;
        const text = `Invited ${created.invitation.email} to tenant "${id}" as ${created.invitation.role}, for 7 days. ${mailed}\n${created.url}`;
        return { json: created, text };
      }, true),
    );
  tenants
    .command('delete <id>')
    .description('delete a tenant and everything stored for it (clients, users, keys, grants, audit log)')
    .addOption(yesOption())
    .addOption(jsonOption())
    .action(
      withGatehouse(async (gatehouse, id: string, options: Confirmation) => {
        await gatehouse.platform.tenants.get(id);
        await confirm(options, `tenants delete ${id}`, `Delete tenant "${id}" and everything stored for it? This cannot be undone.`);
        await gatehouse.platform.tenants.delete(id, cliActor());
        return { json: { id, deleted: true }, text: `Deleted tenant "${id}" and everything stored for it.` };
      }, true),
    );

  return program;
}

/** Runs the CLI; resolves to the exit code. Expected failures are one line on stderr, never a stack trace. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const commanderError = error as { code?: string; exitCode?: number };
    if (typeof commanderError.code === 'string' && commanderError.code.startsWith('commander.')) {
      return commanderError.exitCode ?? 2;
    }
    io.stderr(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
