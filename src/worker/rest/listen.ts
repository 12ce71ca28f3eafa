/**
 * Binds the REST app to every configured listener (`listeners`, or `rest.host.name`/`rest.port`),
 * each an HTTP server handing its requests to the one fastify app.
 *
 * `listen` is called once at start, after the routes are registered. It resolves when every
 * listener is bound, with the URLs actually bound (a port of 0 becomes the one the system chose);
 * when one cannot bind it closes those already bound and throws a ConfigError naming the listener
 * and the reason (e.g. the port is in use). A null host binds the default interfaces, as an empty
 * host does in Kafka Connect. `close()` stops accepting connections, lets requests in flight
 * finish, then closes the app (its onClose hooks); safe to call twice.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../../errors.js';
import type { Listener } from '../worker-config.js';

export interface RestServer {
  /** One `http://host:port` per listener, in the order configured. */
  readonly urls: readonly string[];
  close(): Promise<void>;
}

export async function listen(app: FastifyInstance, listeners: readonly Listener[]): Promise<RestServer> {
  await app.ready();
  const servers: Server[] = [];
  const urls: string[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map(closeServer));
  };
  for (const listener of listeners) {
    const server = createServer(app.routing);
    try {
      urls.push(await bind(server, listener));
    } catch (error) {
      await closeAll();
      throw new ConfigError(
        `The REST API cannot listen on ${formatUrl(listener.host ?? '', listener.port)} (${(error as Error).message}): free the port or change listeners / rest.port in the worker config.`,
        { cause: error },
      );
    }
    servers.push(server);
  }
  let closing: Promise<void> | undefined;
  return {
    urls,
    close: () => (closing ??= closeAll().then(() => app.close())),
  };
}

function bind(server: Server, listener: Listener): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = (): void => {
      server.off('error', reject);
      const { address, port } = server.address() as AddressInfo;
      resolve(formatUrl(listener.host ?? address, port));
    };
    if (listener.host === null) server.listen(listener.port, onListening);
    else server.listen(listener.port, listener.host, onListening);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Idle keep-alive connections would hold close() open; requests in flight still finish.
    server.closeIdleConnections();
  });
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
