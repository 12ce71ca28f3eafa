/**
 * The logical replication stream of one slot, behind an interface of our own so the transport or
 * the decoder can be replaced.
 *
 * Contract:
 * - `start(startLsn)` opens a replication connection and issues START_REPLICATION; it resolves once
 *   the server streams, and rejects with a described error (slot in use, no privilege...).
 * - Decoded messages reach `onMessage` one at a time, in WAL order, with their WAL position.
 *   When it returns a promise, later messages wait for it and the socket is paused meanwhile: that
 *   is the backpressure path. When it returns nothing, the next message follows at once (no
 *   promise per message: the library's own flow control costs about a tenth of the CPU).
 * - The position confirmed to the server moves only through `confirm(lsn)`, which the source calls
 *   once everything up to `lsn` is durable downstream. Keepalive requests are answered with that
 *   confirmed position and nothing later. The library's own acknowledgement is switched off: its
 *   timer confirms what was received rather than what was processed, which loses data on restart.
 * - `ended` resolves when `stop()` ends the stream and rejects with the error that ended it
 *   otherwise (connection lost, server shutdown).
 */
import { LogicalReplicationService } from 'pg-logical-replication';
import type pg from 'pg';
import { formatLsn, parseLsn, type Lsn } from '../lsn.js';
import { PgoutputDecoder, type PgoutputMessage } from './pgoutput-decoder.js';

export interface ReplicationStreamOptions {
  clientConfig: pg.ClientConfig;
  slotName: string;
  publicationName: string;
  /** How often to report the confirmed position even when the server does not ask. */
  statusIntervalMs: number;
  /** `lsn` is where the message's WAL data starts (the XLogData header's position). */
  onMessage(message: PgoutputMessage, lsn: Lsn): Promise<void> | undefined;
}

export class ReplicationStream {
  private readonly service: LogicalReplicationService;
  private readonly decoder: PgoutputDecoder;
  private confirmed: Lsn = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private waiting = false;
  private backlog: Array<[PgoutputMessage, string]> = [];
  private backlogHead = 0;
  private settle: { resolve(): void; reject(error: Error): void } | undefined;
  readonly ended: Promise<void>;

  constructor(private readonly options: ReplicationStreamOptions) {
    this.service = new LogicalReplicationService(options.clientConfig, {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: false },
    });
    this.decoder = new PgoutputDecoder({ publicationNames: [options.publicationName], messages: true });
    this.ended = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.ended.catch(() => {});
  }

  async start(startLsn: Lsn): Promise<void> {
    this.confirmed = startLsn;
    this.service.on('data', (lsn: string, message: PgoutputMessage | null) => this.receive(message, lsn));
    this.service.on('heartbeat', (_lsn: string, _timestamp: number, shouldRespond: boolean) => {
      if (shouldRespond) this.sendStatus();
    });
    this.service.on('error', (error: Error) => this.fail(error));
    const started = new Promise<void>((resolve) => this.service.once('start', () => resolve()));
    // The library decodes and emits inside the socket's data callback, where a throw would crash
    // the process: decoding and handling errors end the stream instead.
    const decoder = this.decoder;
    const plugin = {
      get name() {
        return decoder.name;
      },
      start: (client: pg.Client, slot: string, lsn: string) => decoder.start(client, slot, lsn),
      parse: (buffer: Buffer): PgoutputMessage | null => {
        try {
          return decoder.parse(buffer);
        } catch (error) {
          this.fail(error as Error);
          return null;
        }
      },
    };
    const streaming = this.service.subscribe(plugin as unknown as PgoutputDecoder, this.options.slotName, formatLsn(startLsn));
    streaming.then(
      () => this.fail(new Error('The replication stream ended: the server closed it.')),
      (error: Error) => this.fail(error),
    );
    await Promise.race([started, this.ended]);
    this.statusTimer = setInterval(() => this.sendStatus(), this.options.statusIntervalMs);
    this.statusTimer.unref();
  }

  private receive(message: PgoutputMessage | null, lsn: string): void {
    if (message === null || this.stopped) return;
    if (this.waiting) {
      this.backlog.push([message, lsn]);
      return;
    }
    try {
      const wait = this.options.onMessage(message, parseLsn(lsn));
      if (wait) this.pauseUntil(wait);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Holds later messages (and the socket) until `wait` settles, then hands them on in order. */
  private pauseUntil(wait: Promise<void>): void {
    this.waiting = true;
    this.socket()?.pause();
    wait.then(
      () => {
        try {
          this.resumeBacklog();
        } catch (error) {
          this.fail(error as Error);
        }
      },
      (error: Error) => this.fail(error),
    );
  }

  private resumeBacklog(): void {
    while (this.backlogHead < this.backlog.length && !this.stopped) {
      const [message, lsn] = this.backlog[this.backlogHead++]!;
      const next = this.options.onMessage(message, parseLsn(lsn));
      if (next) return this.pauseUntil(next);
    }
    this.backlog = [];
    this.backlogHead = 0;
    this.waiting = false;
    this.socket()?.resume();
  }

  /**
   * The replication connection's socket. The library keeps it private; pausing it is how a full
   * queue reaches the server (TCP flow control), so we reach in, against the pinned version.
   */
  private socket(): { pause(): void; resume(): void } | undefined {
    return (this.service as unknown as { _connection?: { stream?: { pause(): void; resume(): void } } })._connection?.stream;
  }

  /** Confirms to the server that everything up to `lsn` is durable downstream. Never moves back. */
  confirm(lsn: Lsn): void {
    if (lsn <= this.confirmed) return;
    this.confirmed = lsn;
    this.sendStatus();
  }

  get confirmedLsn(): Lsn {
    return this.confirmed;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.sendStatus();
    this.stopped = true;
    clearInterval(this.statusTimer);
    await this.service.destroy().catch(() => {});
    this.settle?.resolve();
  }

  private sendStatus(): void {
    if (this.stopped || this.confirmed === 0) return;
    // The library reports `lsn + 1` as written, flushed and applied. Postgres skips on restart every
    // transaction whose commit record starts before the confirmed position, and the next commit
    // record may start exactly at the end of the last one confirmed: so we hand it `lsn - 1`.
    void this.service.acknowledge(formatLsn(this.confirmed - 1)).catch((error: Error) => this.fail(error));
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.statusTimer);
    void this.service.destroy().catch(() => {});
    this.settle?.reject(error);
  }
}
