/**
 * Progress of long work (snapshots) for people and for metrics: per connector and table, rows done,
 * the estimated total, the rate and an estimate of the time left. Logs a line per table at most
 * every `intervalMs`, and always when a table finishes.
 */
import type { Logger } from 'pino';
import type { ProgressReporter } from '../contracts/source-task.js';
import type { Metrics } from './metrics.js';

export interface TableProgress {
  connector: string;
  table: string;
  rows: number;
  total: number | null;
  finished: boolean;
  startedAt: number;
  rowsPerSecond: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: number | null;
}

export class ProgressLog {
  private readonly tables = new Map<string, TableProgress & { startRows: number; loggedAt: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 5000,
    private readonly metrics?: Pick<Metrics, 'snapshotProgress'>,
  ) {}

  reporter(connector: string): ProgressReporter {
    return {
      snapshot: (table, rows, total, finished) => this.update(connector, table, rows, total, finished),
    };
  }

  snapshot(): TableProgress[] {
    return [...this.tables.values()].map(({ startRows: _s, loggedAt: _l, ...progress }) => progress);
  }

  private update(connector: string, table: string, rows: number, total: number | null, finished: boolean): void {
    const key = `${connector}/${table}`;
    const now = Date.now();
    this.metrics?.snapshotProgress(connector, table, rows, total);
    let entry = this.tables.get(key);
    if (!entry) {
      entry = { connector, table, rows, total, finished, startedAt: now, rowsPerSecond: 0, etaSeconds: null, startRows: rows, loggedAt: now };
      this.tables.set(key, entry);
    }
    const elapsed = Math.max(1, now - entry.startedAt) / 1000;
    entry.rows = rows;
    entry.total = total === null ? null : Math.max(total, rows);
    entry.finished = finished;
    entry.rowsPerSecond = Math.round((rows - entry.startRows) / elapsed);
    entry.etaSeconds = entry.total !== null && entry.rowsPerSecond > 0 ? Math.round((entry.total - rows) / entry.rowsPerSecond) : null;
    if (finished || now - entry.loggedAt >= this.intervalMs) {
      entry.loggedAt = now;
      this.logger.info(
        { connector, table, rows, total: entry.total, rowsPerSecond: entry.rowsPerSecond, etaSeconds: finished ? 0 : entry.etaSeconds },
        finished ? `snapshot of ${table} finished: ${rows} rows` : `snapshot of ${table}: ${rows}${entry.total ? ` of ~${entry.total}` : ''} rows`,
      );
    }
  }
}
