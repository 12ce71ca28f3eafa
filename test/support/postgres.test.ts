import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './postgres.js';

describe('test PostgreSQL server', () => {
  it('runs with logical replication enabled', async () => {
    const db = await createTestDatabase('support');
    try {
      const [row] = await db.sql<{ wal_level: string }>('SHOW wal_level');
      expect(row!.wal_level).toBe('logical');
    } finally {
      await db.drop();
    }
  });
});
