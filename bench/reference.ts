/**
 * The reference measurements: PostgreSQL's own client tools reading the same data as Sluice, timed
 * from process start to exit. `psql -c "COPY t TO STDOUT"` is the fastest way to read a table out;
 * `pg_recvlogical` with pgoutput reads a slot and writes the plugin's binary output without decoding
 * it, the floor for streaming. Both are the Debian client binaries on PATH, connected over TCP.
 * `exportCsv` is no measurement: it writes a table's rows to a CSV file for a reference that reads
 * files (the parquet case's DuckDB).
 *
 * Contract: each function resolves with the wall seconds the tool took, and rejects with its
 * standard error when it exits with a failure. Output goes to /dev/null (exportCsv: to its file).
 * `signal` ends the tool.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface ServerAddress {
  port: number;
  database: string;
  user: string;
  password: string;
}

function conninfo(server: ServerAddress): string {
  return `host=127.0.0.1 port=${server.port} dbname=${server.database} user=${server.user}`;
}

/** `stdout`: a file descriptor to write the tool's output to, or 'ignore'. */
function timeProcess(command: string, args: string[], server: ServerAddress, signal: AbortSignal, stdout: number | 'ignore' = 'ignore'): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      stdio: ['ignore', stdout, 'pipe'],
      env: { ...process.env, PGPASSWORD: server.password },
      signal,
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`${command} exited with ${signal ?? `code ${code}`}: ${stderr.trim()}`));
    });
  });
}

/** `psql -c "COPY <table> TO STDOUT"` with its output discarded. */
export function timeCopy(server: ServerAddress, table: string, signal: AbortSignal): Promise<number> {
  return timeProcess('psql', ['-X', '-q', '-d', conninfo(server), '-c', `COPY ${table} TO STDOUT`], server, signal);
}

/** `psql -c "COPY <table> TO STDOUT (FORMAT csv)"` into `file`, created or truncated. */
export async function exportCsv(server: ServerAddress, table: string, file: string, signal: AbortSignal): Promise<number> {
  const handle = await open(file, 'w');
  try {
    return await timeProcess('psql', ['-X', '-q', '-d', conninfo(server), '-c', `COPY ${table} TO STDOUT (FORMAT csv)`], server, signal, handle.fd);
  } finally {
    await handle.close();
  }
}

/** `pg_recvlogical --start` on `slot` with pgoutput (protocol 1) until `endLsn`, written to /dev/null. */
export function timeRecvlogical(server: ServerAddress, slot: string, publication: string, endLsn: string, signal: AbortSignal): Promise<number> {
  return timeProcess(
    'pg_recvlogical',
    [
      '-d', conninfo(server),
      '--slot', slot,
      '--start',
      '--no-loop',
      '-o', 'proto_version=1',
      '-o', `publication_names=${publication}`,
      `--endpos=${endLsn}`,
      '-f', '/dev/null',
    ],
    server,
    signal,
  );
}
