import { connect, type Socket } from 'node:net';

/** A raw TCP connection to a test server: what a slow, stalled or merely idle client does, byte by byte. */
export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server (or the network) closed the connection, with the time it took since connect. */
  closed: Promise<number>;
  write(text: string): void;
  /** Writes one byte of `text` every `intervalMs` until the connection closes or the text is sent. */
  trickle(text: string, intervalMs: number): void;
  destroy(): void;
}

/** `localAddress` is the address to connect from: any of 127.0.0.0/8 stands for another client on one machine. */
export function rawConnection(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress === undefined ? {} : { localAddress }) });
    const started = performance.now();
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
    const closed = new Promise<number>((done) =>
      socket.once('close', () => {
        clearInterval(timer);
        done(performance.now() - started);
      }),
    );
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed,
        write: (text) => {
          if (!socket.destroyed) socket.write(text);
        },
        trickle: (text, intervalMs) => {
          let next = 0;
          timer = setInterval(() => {
            if (socket.destroyed || next >= text.length) return clearInterval(timer);
            socket.write(text[next++]!);
          }, intervalMs);
        },
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** Sends one complete request on a fresh connection with `Connection: close` and returns the raw response. */
export async function rawRequest(port: number, request: string): Promise<string> {
  const connection = await rawConnection(port);
  connection.write(request);
  await connection.closed;
  return connection.received();
}
