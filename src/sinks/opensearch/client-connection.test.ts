/**
 * The client's connections over real sockets: `connection.timeout.ms` bounds establishing a
 * connection (the TLS handshake included) apart from `read.timeout.ms`, which bounds the wait for an
 * answer, and a CA file that cannot serve is a ConfigError at once. Servers here accept connections
 * and then say nothing, at the TCP level or after a completed TLS handshake.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf, thrownBy } from '../../../test/support/failures.js';
import { TEST_CA_FILE, testServerTls } from '../../../test/support/test-tls.js';
import { waitFor } from '../../../test/support/wait.js';
import { ConfigError } from '../../errors.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';

const BULK = Buffer.from('{"index":{"_index":"orders","_id":"1"}}\n{"status":"placed"}\n');

/** A server that accepts connections, keeps what they send, and never sends anything back. */
async function startSilentServer(tls = false) {
  const sockets: Socket[] = [];
  let received = '';
  const keep = (socket: Socket) => {
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
  };
  const server: Server = tls ? createTlsServer(testServerTls(), keep) : createServer(keep);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    received: () => received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('OpenSearch client connections', () => {
  let client: OpenSearchClient | undefined;
  let server: Awaited<ReturnType<typeof startSilentServer>> | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  const connect = (url: string, settings: Record<string, string>) =>
    (client = createOpenSearchClient(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: 'orders', 'connection.url': url, ...settings }).connection));

  it('gives up a TLS handshake the node never answers after connection.timeout.ms, with a retriable error, long before read.timeout.ms', async () => {
    server = await startSilentServer();
    const started = Date.now();
    const error = await rejectionOf(connect(`https://127.0.0.1:${server.port}`, { 'connection.timeout.ms': '200', 'read.timeout.ms': '30000', 'connection.ssl.ca.file': TEST_CA_FILE }).bulk(BULK));
    const waited = Date.now() - started;
    expect(error).toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    expect(error.message).toContain('no connection established within 200 ms (connection.timeout.ms)');
    // The read timeout would have ended it after 30 s; the connect timeout cannot have fired before 200 ms.
    expect(waited).toBeGreaterThanOrEqual(195);
    expect(waited).toBeLessThan(15_000);
    // The client did open the connection and began the handshake (a TLS record: 0x16), then dropped it.
    expect(server.sockets).toHaveLength(1);
    expect(server.received().charCodeAt(0)).toBe(0x16);
    await waitFor(() => server!.sockets[0]!.destroyed || server!.sockets[0]!.readableEnded, 5_000, 'the client closing the connection');
  });

  it('waits read.timeout.ms, not connection.timeout.ms, for the answer to a request sent over an established connection', async () => {
    server = await startSilentServer();
    const error = await rejectionOf(connect(`http://127.0.0.1:${server.port}`, { 'connection.timeout.ms': '50', 'read.timeout.ms': '400' }).bulk(BULK));
    expect(error).toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    expect(error.message).toContain('Request timed out');
    expect(server.received()).toMatch(/^POST \/_bulk/);
  });

  it('lets an https connection whose handshake completed wait read.timeout.ms for its answer', async () => {
    server = await startSilentServer(true);
    const error = await rejectionOf(connect(`https://127.0.0.1:${server.port}`, { 'connection.timeout.ms': '50', 'read.timeout.ms': '400', 'connection.ssl.ca.file': TEST_CA_FILE }).bulk(BULK));
    expect(error).toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    expect(error.message).toContain('Request timed out');
    expect(server.received()).toMatch(/^POST \/_bulk/);
  });

  it('refuses a CA file that cannot be read or holds no certificate, naming the key', () => {
    const missing = thrownBy(() => connect('https://127.0.0.1:9200', { 'connection.ssl.ca.file': join(tmpdir(), 'no-such-ca.pem') }));
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toMatch(/^connection\.ssl\.ca\.file ".*no-such-ca\.pem" cannot be read \(ENOENT/);
    const notPem = join(tmpdir(), `not-a-ca-${process.pid}.pem`);
    writeFileSync(notPem, 'this is no certificate\n');
    const garbled = thrownBy(() => connect('https://127.0.0.1:9200', { 'connection.ssl.ca.file': notPem }));
    expect(garbled).toBeInstanceOf(ConfigError);
    expect(garbled.message).toContain(`connection.ssl.ca.file "${notPem}" holds no PEM certificate`);
  });
});
