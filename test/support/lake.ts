/**
 * Test support for the S3 Parquet sink: a random change workload that tallies the change events it
 * should produce, a copy of what a bucket holds into a local directory, so that DuckDB (which
 * has no S3 access here) reads the objects exactly as they were uploaded, and the table the change
 * rows read back describe.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';

/** Copies every object under `prefix` into a new temporary directory; returns it and the keys. */
export async function downloadLake(client: S3Client, bucket: string, prefix = ''): Promise<{ dir: string; keys: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-lake-'));
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) keys.push(object.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  for (const key of keys) {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const target = path.join(dir, key);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, await object.Body!.transformToByteArray());
  }
  return { dir, keys: keys.sort() };
}

/** How many change events of each op a workload's statements produce. */
export interface ChangeTally {
  c: number;
  u: number;
  d: number;
}

/**
 * Runs `rounds` transactions of 1 to `maxStatements` (default 4) statements on `items (id int PRIMARY KEY, ...)`: inserts,
 * updates of values, deletes and primary-key changes (a delete and a create), picking existing
 * ids. `insertValues(id)` gives the columns after id as SQL. Returns the next free id.
 */
export async function runChangeWorkload(
  client: pg.Client,
  table: string,
  options: { from: number; rounds: number; seed: number; tally: ChangeTally; insertValues(id: number): string; updateSet: string; maxStatements?: number },
): Promise<number> {
  let next = options.from;
  let s = options.seed;
  const random = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
  const { tally } = options;
  for (let round = 0; round < options.rounds; round++) {
    await client.query('BEGIN');
    const statements = 1 + Math.floor(random() * (options.maxStatements ?? 4));
    for (let i = 0; i < statements; i++) {
      const r = random();
      const existing = async () => {
        const { rows } = await client.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY random() LIMIT 1`);
        return rows[0]?.id;
      };
      if (r < 0.4) {
        const id = next++;
        await client.query(`INSERT INTO ${table} VALUES (${id}, ${options.insertValues(id)})`);
        tally.c++;
      } else if (r < 0.75) {
        const id = await existing();
        if (id === undefined) continue;
        tally.u += (await client.query(`UPDATE ${table} SET ${options.updateSet} WHERE id = $1`, [id])).rowCount ?? 0;
      } else if (r < 0.9) {
        const id = await existing();
        if (id === undefined) continue;
        tally.d += (await client.query(`DELETE FROM ${table} WHERE id = $1`, [id])).rowCount ?? 0;
      } else {
        const id = await existing();
        if (id === undefined) continue;
        const moved = (await client.query(`UPDATE ${table} SET id = $1 WHERE id = $2`, [next++, id])).rowCount ?? 0;
        tally.d += moved;
        tally.c += moved;
      }
    }
    await client.query('COMMIT');
  }
  return next;
}

/** A change row read back from the lake: the table's columns, `__op`, `__snapshot` and `__lsn` (as text: exact). */
export interface LakeChange {
  __op: string;
  __snapshot: boolean;
  __lsn: string;
  [column: string]: unknown;
}

/**
 * The table change rows describe: each key's last change (snapshot reads first, then by LSN; a
 * change read twice counts once), deletes removed, without the metadata columns, sorted by `key`.
 */
export function rebuildTable(rows: LakeChange[], key: string): Array<Record<string, unknown>> {
  const ordered = [...rows].sort((a, b) => Number(b.__snapshot) - Number(a.__snapshot) || Number(BigInt(a.__lsn) - BigInt(b.__lsn)));
  const table = new Map<unknown, Record<string, unknown>>();
  for (const { __op: op, __snapshot: _snapshot, __lsn: _lsn, ...columns } of ordered) {
    if (op === 'd') table.delete(columns[key]);
    else table.set(columns[key], columns);
  }
  return [...table.values()].sort((a, b) => Number(a[key]) - Number(b[key]));
}
