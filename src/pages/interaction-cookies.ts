import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationFlow, SealedInteraction } from '../oauth/authorization-flow.js';
import { nowSeconds } from '../ports/clock.js';
import type { BrowserCookies } from './browser.js';

/**
 * How many pending interactions a browser keeps (one per tab in which a sign-in was started), and how many bytes
 * their cookies take together: abandoned requests must not grow the Cookie header towards the 8 KB that servers and
 * proxies commonly accept for it.
 */
const MAX_PENDING = 4;
const MAX_PENDING_BYTES = 5000;

/**
 * Pending interactions in the browser: one cookie per interaction id, so several tabs sign in side by side, holding
 * the interaction sealed for this browser (src/oauth/interaction-seal.ts). Path=/ because the login, sign-up and
 * consent pages share no narrower path; the cookie expires with the interaction, and the newest are kept.
 */
export class InteractionCookies {
  private readonly prefix: string;

  constructor(
    private readonly cookies: BrowserCookies,
    private readonly flow: AuthorizationFlow,
  ) {
    this.prefix = `${cookies.prefix}interaction_`;
  }

  /** The sealed value this browser holds for the interaction. */
  value(request: FastifyRequest, id: string): string | undefined {
    return request.cookies[this.prefix + id];
  }

  /**
   * Stores the interaction in the browser, dropping the oldest others (and any that no longer open) beyond the
   * bounds. Newest first: by creation time, and within one second by the order the browser sends them, which is
   * the order they were created in (RFC 6265 §5.4).
   */
  async save(request: FastifyRequest, reply: FastifyReply, browserId: string, interaction: SealedInteraction): Promise<void> {
    const name = this.prefix + interaction.id;
    const found = Object.entries(request.cookies).filter(([other]) => other.startsWith(this.prefix) && other !== name);
    const others = (
      await Promise.all(
        found.map(async ([other, value = '']) => ({
          name: other,
          bytes: cookieBytes(other, value),
          createdAt: (await this.flow.unsealed(other.slice(this.prefix.length), value, browserId))?.createdAt,
        })),
      )
    )
      .reverse()
      .sort((a, b) => (b.createdAt ?? -1) - (a.createdAt ?? -1));
    let kept = 1;
    let bytes = cookieBytes(name, interaction.value);
    for (const other of others) {
      if (other.createdAt !== undefined && kept < MAX_PENDING && bytes + other.bytes <= MAX_PENDING_BYTES) {
        kept += 1;
        bytes += other.bytes;
      } else {
        this.cookies.clear(reply, other.name);
      }
    }
    this.cookies.set(reply, name, interaction.value, interaction.expiresAt - nowSeconds());
  }

  /** Drops the interaction's cookie, if the browser sent one. */
  clear(request: FastifyRequest, reply: FastifyReply, id: string): void {
    const name = this.prefix + id;
    if (request.cookies[name] !== undefined) this.cookies.clear(reply, name);
  }
}

/** What a cookie adds to the Cookie header: `name=value; `. */
const cookieBytes = (name: string, value: string) => name.length + value.length + 3;
