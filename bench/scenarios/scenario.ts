import type { HttpRequest } from '../lib/load.js';
import type { ReadyLine } from '../lib/protocol.js';

/** One kind of request the benchmark measures, the same for every server. */
export interface Scenario {
  name: string;
  description: string;
  /** The request autocannon repeats. */
  request(server: ReadyLine): HttpRequest;
  /**
   * Sends the request once and throws unless the response is right, so that a run never measures errors.
   * `authenticates` says whether the server is expected to refuse a wrong secret (the floor does not check).
   */
  verify(server: ReadyLine, options: { authenticates: boolean }): Promise<string>;
}
