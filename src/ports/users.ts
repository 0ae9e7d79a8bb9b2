/** A person who can sign in, as the core sees them; stores keep it however they like. */
export interface User {
  id: string;
  username: string;
  passwordHash: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** Roles whose scopes the user's tokens may carry (e.g. the built-in admin role). */
  roles: string[];
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type NewUser = Pick<User, 'id' | 'username' | 'passwordHash' | 'email' | 'emailVerified' | 'name' | 'roles'>;

/** The users password sign-in reads, and re-hashes when the hashing parameters were raised (store/users.ts). */
export interface UserStore {
  /** The user of that name, compared case-insensitively (usernames.ts). */
  findByUsername(username: string): Promise<User | undefined>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
}

/** What a person gives to open an account on the sign-up page. */
export interface NewAccount {
  username: string;
  password: string;
  email?: string;
  name?: string;
}

/**
 * Creates users after judging every field (the username's form, the password policy, the email): the one place that
 * decides what a valid user is, for self sign-up as for the admin API and the CLI (admin/management.ts). Rejects with
 * a RefusedError (ports/refused-error.ts): `conflict` when the username is taken, `invalid` for a field it refuses.
 */
export interface UserRegistration {
  createUser(account: NewAccount): Promise<Pick<User, 'id' | 'username'>>;
}
