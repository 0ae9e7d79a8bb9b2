/** JSON schemas of an account's team (members, invitations, settings) and of a person's accounts (/me). */
import { ACCOUNT_ROLES } from '../ports/members.js';
import { tenantSettingsPatch, tenantSettingsSchema } from './schemas.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const accountRole = {
  type: 'string',
  enum: ACCOUNT_ROLES,
  description:
    'viewer reads; developer also manages app clients; admin manages everything of the account; owner also its members and settings',
} as const;

const member = {
  type: 'object',
  properties: {
    user_id: str,
    username: str,
    name: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    role: accountRole,
    joined_at: int,
  },
  required: ['user_id', 'username', 'role', 'joined_at'],
} as const;
export const memberList = { type: 'object', properties: { members: { type: 'array', items: member } }, required: ['members'] } as const;
export const memberOne = { type: 'object', properties: { member }, required: ['member'] } as const;
export const memberChanges = {
  type: 'object',
  properties: { role: accountRole },
  required: ['role'],
  additionalProperties: false,
} as const;

const invitation = {
  type: 'object',
  properties: {
    id: str,
    email: str,
    role: accountRole,
    invited_by: str,
    created_at: int,
    expires_at: int,
    expired: { type: 'boolean' },
  },
  required: ['id', 'email', 'role', 'invited_by', 'created_at', 'expires_at', 'expired'],
} as const;
export const invitationList = {
  type: 'object',
  properties: { invitations: { type: 'array', items: invitation } },
  required: ['invitations'],
} as const;
export const newInvitation = {
  type: 'object',
  properties: { email: { type: 'string', minLength: 3, maxLength: 320 }, role: accountRole },
  required: ['email', 'role'],
  additionalProperties: false,
} as const;
export const invitationCreated = {
  type: 'object',
  properties: {
    invitation,
    url: { type: 'string', description: 'The link that admits whoever opens it, shown once; also mailed to the address invited' },
    emailed: { type: 'boolean', description: 'Whether the link was mailed (or written to the outbox); if not, send it yourself' },
    email_error: { type: 'string', description: 'Why the mail could not be sent' },
  },
  required: ['invitation', 'url', 'emailed'],
} as const;

const account = {
  type: 'object',
  properties: {
    id: str,
    name: str,
    role: { ...accountRole, description: "The caller's role in it" },
    issuer: str,
    status: { type: 'string', enum: ['active', 'suspended'] },
  },
  required: ['id', 'name', 'role', 'issuer', 'status'],
} as const;
export const accountList = { type: 'object', properties: { accounts: { type: 'array', items: account } }, required: ['accounts'] } as const;
export const accountOne = { type: 'object', properties: { account }, required: ['account'] } as const;
export const newAccount = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 32, description: 'Its slug in URLs: 1-32 lowercase letters, digits and inner hyphens' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
  },
  required: ['id', 'name'],
  additionalProperties: false,
} as const;
export const invitationToken = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 200, description: 'The part of the invitation link after #' } },
  required: ['token'],
  additionalProperties: false,
} as const;
export const invitationOffer = {
  type: 'object',
  properties: { account: { type: 'object', properties: { id: str, name: str }, required: ['id', 'name'] }, invitation },
  required: ['account', 'invitation'],
} as const;

/** The account as its own team sees it: its name, issuer and the settings its owners change; the caller's role. */
export const accountSettings = {
  type: 'object',
  properties: {
    account: {
      type: 'object',
      properties: {
        id: str,
        name: str,
        issuer: str,
        status: { type: 'string', enum: ['active', 'suspended'] },
        settings: tenantSettingsSchema,
      },
      required: ['id', 'name', 'issuer', 'status', 'settings'],
    },
    role: {
      type: 'string',
      enum: ['administrator', ...ACCOUNT_ROLES],
      description: "The caller's account role; administrator for the account's own administrators (users and clients with gatehouse:admin)",
    },
  },
  required: ['account', 'role'],
} as const;
export const accountChanges = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, settings: tenantSettingsPatch },
  additionalProperties: false,
  minProperties: 1,
} as const;
