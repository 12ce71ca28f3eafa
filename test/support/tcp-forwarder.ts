/**
 * A TCP forwarder for tests: listens on a port of its own at `host` and pipes each connection to
 * `target`, both ways, bytes as they are. A TLS server behind it is reached under another address
 * with its certificate unchanged (127.0.0.2 reaches this machine on Linux as 127.0.0.1 does).
 * `connections` counts the connections accepted; `close()` drops every one and stops listening.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpForwarder {
  host: string;
  port: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function forwardTcp(host: string, target: { host: string; port: number }): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Either side's reset ends both; the error itself is the test's to see through the client.
    socket.on('error', () => undefined);
  };
  const server = createServer((incoming) => {
    connections++;
    const outgoing = connect(target.port, target.host);
    track(incoming);
    track(outgoing);
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
    incoming.once('close', () => outgoing.destroy());
    outgoing.once('close', () => incoming.destroy());
  });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    host,
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
