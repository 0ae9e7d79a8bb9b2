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
