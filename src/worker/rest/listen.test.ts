import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHerder } from '../../../test/support/memory-herder.js';
import { ConfigError } from '../../errors.js';
import { createRestApp } from './app.js';
import { listen, type RestServer } from './listen.js';
import { LoggerRegistry } from './logger-registry.js';

const app = () => createRestApp(new MemoryHerder(), { loggers: new LoggerRegistry(pino({ level: 'silent' })) });
const local = (port = 0) => ({ protocol: 'http' as const, host: '127.0.0.1', port });

async function occupiedPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;
const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('listen', () => {
  let running: RestServer | undefined;
  const others: Server[] = [];

  afterEach(async () => {
    await running?.close();
    running = undefined;
    await Promise.all(others.splice(0).map(closeServer));
  });

  it('serves the app on every listener and reports the ports bound', async () => {
    running = await listen(app(), [local(), local()]);
    expect(running.urls).toHaveLength(2);
    expect(new Set(running.urls).size).toBe(2);
    for (const url of running.urls) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/connectors`);
      expect([response.status, await response.json()]).toEqual([200, []]);
    }
  });

  it('binds the default interfaces for a listener without a host', async () => {
    running = await listen(app(), [{ protocol: 'http', host: null, port: 0 }]);
    const port = Number(new URL(running.urls[0]!).port);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('stops accepting connections on close, even after keep-alive requests', async () => {
    const server = await listen(app(), [local()]);
    await (await fetch(`${server.urls[0]}/`)).text();
    await server.close();
    await server.close();
    await expect(fetch(`${server.urls[0]}/`)).rejects.toThrow();
  });

  it('throws a ConfigError naming the listener when a port is taken, and releases the ports it bound', async () => {
    const busy = await occupiedPort();
    const spare = await occupiedPort();
    const sparePort = portOf(spare);
    await closeServer(spare);
    others.push(busy);
    const attempt = listen(app(), [local(sparePort), local(portOf(busy))]);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(`The REST API cannot listen on http://127.0.0.1:${portOf(busy)} (listen EADDRINUSE`);
    const rebound = createServer();
    others.push(rebound);
    await new Promise<void>((resolve, reject) => rebound.once('error', reject).listen(sparePort, '127.0.0.1', resolve));
    expect(portOf(rebound)).toBe(sparePort);
  });
});
