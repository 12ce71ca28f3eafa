/**
 * Per-test-file databases on the shared test server. `createTestDatabase()` makes a database with a
 * unique name and returns its URL plus a `drop()` that first removes the replication slots left in it.
 */
import pg from 'pg';
import { inject } from 'vitest';
let counter = 0;
export function serverUrl() {
    return inject('databaseUrl');
}
export function databaseUrl(base, database) {
    const url = new URL(base);
    url.pathname = `/${database}`;
    return url.toString();
}
export async function withClient(url, fn) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
        return await fn(client);
    }
    finally {
        await client.end();
    }
}
export async function createTestDatabase(prefix = 't') {
    const base = serverUrl();
    const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase();
    await withClient(base, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = databaseUrl(base, name);
    return {
        url,
        name,
        sql: (text, values) => withClient(url, async (c) => (await c.query(text, values)).rows),
        async drop() {
            await withClient(base, async (c) => {
                await c.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`, [name]);
                await c.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, [name]);
                await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            });
        },
    };
}
//# sourceMappingURL=postgres.js.map