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
}
