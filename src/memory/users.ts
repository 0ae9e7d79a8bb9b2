// Users in memory, as store/users.ts keeps them: names compared as folded (accounts/usernames.ts).
import { normalizeUsername } from '../accounts/usernames.js';
import { nowSeconds } from '../ports/clock.js';
import type { User, UserStore } from '../ports/users.js';

export class MemoryUsers implements UserStore {
  readonly rows = new Map<string, User>();

  constructor(...users: User[]) {
    for (const user of users) this.rows.set(user.id, user);
  }

  /** The user by id, as the token issuer and the userinfo endpoint look one up. */
  async find(id: string): Promise<User | undefined> {
    const user = this.rows.get(id);
    return user && structuredClone(user);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const folded = normalizeUsername(username);
    const user = [...this.rows.values()].find((candidate) => normalizeUsername(candidate.username) === folded);
    return user && structuredClone(user);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    const user = this.rows.get(id);
    if (user) Object.assign(user, { passwordHash, updatedAt: nowSeconds() });
  }
}
