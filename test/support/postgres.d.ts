/**
 * Per-test-file databases on the shared test server. `createTestDatabase()` makes a database with a
 * unique name and returns its URL plus a `drop()` that first removes the replication slots left in it.
 */
import pg from 'pg';
export interface TestDatabase {
    url: string;
    name: string;
    /** Runs SQL in the test database on a short-lived connection. */
    sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
    drop(): Promise<void>;
}
export declare function serverUrl(): string;
export declare function databaseUrl(base: string, database: string): string;
export declare function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T>;
export declare function createTestDatabase(prefix?: string): Promise<TestDatabase>;
