/**
 * The HTTP agents of the OpenSearch sink's client, one per node (the client's `agent` option). Like
 * the client's own, they keep connections alive; on top of that:
 * - `connection.timeout.ms` bounds establishing a new connection: DNS lookup, TCP connect and, for
 *   https, the TLS handshake. A connection not established in time is destroyed, and the request
 *   fails as a connection error (retried like any). 0: no bound of its own. The wait for an answer
 *   on an established connection is `read.timeout.ms` (the client's requestTimeout), apart from it.
 * - TLS: `connection.ssl.ca.file` replaces the system's trusted CAs; `connection.ssl.verify=false`
 *   accepts any certificate and host name.
 * - The client keeps only the message of a connection error, not the socket's error. So each agent
 *   remembers the last failure of a connection it could not establish, and
 *   `establishFailure(error)` tells whether a client error was one: `certificate` when the node's
 *   certificate was refused (not trusted, or not for that host), `unreachable` otherwise (refused,
 *   timed out, no such host, handshake failed); either way the request never reached the node.
 *
 * `nodeAgents(settings)` is called once per client. It reads the CA file at once and throws a
 * ConfigError naming the key when that cannot be read or holds no PEM certificate. Nothing blocks.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ConfigError } from '../../errors.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';

/** Why a connection to a node could not be established; `code` is Node's (e.g. ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE). */
export interface EstablishFailure {
  kind: 'certificate' | 'unreachable';
  code: string;
}

export interface NodeAgents {
  /** The client's `agent` option: the agent of the node at `url`. */
  agent(options: { url: URL }): http.Agent;
  /** The failure behind a client's connection error when its connection was never established. */
  establishFailure(error: unknown): EstablishFailure | undefined;
}

export type NodeAgentSettings = Pick<OpenSearchSinkConfig['connection'], 'connectTimeoutMs' | 'tls'>;

export function nodeAgents(settings: NodeAgentSettings): NodeAgents {
  const { connectTimeoutMs, tls } = settings;
  const trust = { rejectUnauthorized: tls.verify, ...(tls.caFile === null ? {} : { ca: readCaFile(tls.caFile) }) };
  const failures = new WeakMap<http.Agent, EstablishFailure & { message: string }>();
  return {
    agent({ url }) {
      const secure = url.protocol === 'https:';
      const agent = secure ? new https.Agent({ keepAlive: true, ...trust }) : new http.Agent({ keepAlive: true });
      const connect = agent.createConnection.bind(agent);
      agent.createConnection = (options, callback) => {
        const socket = connect(options, callback) as Socket | null | undefined;
        if (socket) watchEstablishing(socket, secure, connectTimeoutMs, (failure) => failures.set(agent, failure));
        return socket;
      };
      return agent;
    },
    establishFailure(error) {
      const agent = (error as { meta?: { meta?: { connection?: { agent?: http.Agent } } } } | null)?.meta?.meta?.connection?.agent;
      const failure = agent === undefined ? undefined : failures.get(agent);
      return failure !== undefined && error instanceof Error && error.message === failure.message ? { kind: failure.kind, code: failure.code } : undefined;
    },
  };
}

/** Destroys `socket` unless it is established within `timeoutMs`, and reports how it failed if it was not. */
function watchEstablishing(socket: Socket, secure: boolean, timeoutMs: number, failed: (failure: EstablishFailure & { message: string }) => void): void {
  const established = secure ? 'secureConnect' : 'connect';
  const timer = timeoutMs > 0 ? setTimeout(() => socket.destroy(new ConnectTimeout(timeoutMs)), timeoutMs) : undefined;
  const onError = (error: NodeJS.ErrnoException) => {
    // Node refuses a certificate by destroying the socket with the reason also set here.
    const certificate = secure && (socket as TLSSocket).authorizationError != null;
    failed({ kind: certificate ? 'certificate' : 'unreachable', code: error.code ?? 'UNKNOWN', message: error.message });
  };
  const done = () => {
    clearTimeout(timer);
    socket.off(established, done);
    socket.off('close', done);
    socket.off('error', onError);
  };
  socket.once(established, done);
  socket.once('close', done);
  socket.once('error', onError);
}

class ConnectTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`no connection established within ${timeoutMs} ms (connection.timeout.ms)`);
  }
}

function readCaFile(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (error) {
    throw new ConfigError(`connection.ssl.ca.file "${file}" cannot be read (${(error as Error).message}): set it to a readable PEM file of the CA certificates to trust.`, { cause: error });
  }
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new ConfigError(`connection.ssl.ca.file "${file}" holds no PEM certificate (${(error as Error).message}): set it to a PEM file of the CA certificates to trust.`, { cause: error });
  }
  return pem;
}
