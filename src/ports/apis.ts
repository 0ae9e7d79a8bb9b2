/** A registered API (resource server) that clients can name with the RFC 8707 `resource` parameter. */
export interface Api {
  identifier: string;
  name: string;
  /** Scopes this API defines; a token for it carries no others. Empty means it accepts any scope. */
  scopes: string[];
  /** What a scope lets an app do, as the consent page tells the user; a scope without one is shown by its name. */
  scopeDescriptions?: Readonly<Record<string, string>>;
  createdAt: number;
  /** One of the platform's APIs, which every tenant uses and none changes. */
  platform?: boolean;
  /** What its OpenAPI document is, when it carries one (the document itself is read on its own: it can be large). */
  openapi?: ApiDocument | null;
}

/** What an OpenAPI document says of itself: info.title, info.version, and how many operations its paths have. */
export interface OpenApiSummary {
  title: string;
  version: string;
  operations: number;
}

/** An API's OpenAPI document, as its registration tells of it. */
export interface ApiDocument extends OpenApiSummary {
  /** Fetched from this URL (and refreshed from it on demand); absent for one uploaded. */
  url?: string;
  /** When it was last fetched from its URL (epoch seconds). */
  fetchedAt?: number;
}
