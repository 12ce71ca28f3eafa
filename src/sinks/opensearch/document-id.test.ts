import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../events.js';
import { created, ORDERS } from '../../transforms/debezium-events.fixture.js';
import { articleCreated, articleMovedHere, ARTICLES } from './articles.fixture.js';
import { DocumentIds, offsetDocumentId } from './document-id.js';

const ids = new DocumentIds();

describe('document ids', () => {
  it('are the value of a one-field key as text', () => {
    expect(ids.keyId(created.key, created.keySchema)).toBe('1');
    expect(ids.keyId({ code: 'A-7' }, { type: 'struct', optional: false, fields: [{ field: 'code', type: 'string', optional: false }] })).toBe('A-7');
    expect(ids.keyId({ id: 9007199254740993n }, { type: 'struct', optional: false, fields: [{ field: 'id', type: 'int64', optional: false }] })).toBe('9007199254740993');
  });

  it('are the JSON array of a composite key\'s values in key order, bigints exact', () => {
    expect(ARTICLES.keySchema!.fields!.map((f) => f.field)).toEqual(['region', 'id']);
    expect(ids.keyId(articleCreated.key, articleCreated.keySchema)).toBe('["eu",9007199254740993]');
    expect(ids.keyId(articleMovedHere.key, articleMovedHere.keySchema)).toBe('["eu",7]');
    // Key order is the schema's, not the object's.
    expect(ids.keyId({ id: 7, region: 'eu' }, ARTICLES.keySchema)).toBe('["eu",7]');
  });

  it('write decimal, date and uuid keys as exact text, never base64 or day counts', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      optional: false,
      fields: [
        { field: 'amount', type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } },
        { field: 'day', type: 'int32', optional: false, name: 'io.debezium.time.Date' },
      ],
    };
    const amount = ORDERS.row(['1', 'Alice', '5094.61', null, null, null, null, '2024-03-07']);
    expect(ids.keyId({ amount: amount['total'], day: amount['ship_date'] }, schema)).toBe('["5094.61","2024-03-07"]');
    expect(ids.keyId({ amount: 'AQ==' }, { ...schema, fields: [schema.fields![0]!] })).toBe('0.01');
  });

  it('take plain keys (after a key transform) and schemaless keys', () => {
    expect(ids.keyId(42, { type: 'int32', optional: false })).toBe('42');
    expect(ids.keyId(2n ** 63n - 1n, { type: 'int64', optional: false })).toBe('9223372036854775807');
    expect(ids.keyId(true, null)).toBe('true');
    expect(ids.keyId({ b: 'x', a: 1 }, null)).toBe('["x",1]');
  });

  it('are null for a null key; such records use topic+partition+offset', () => {
    expect(ids.keyId(null, null)).toBeNull();
    expect(offsetDocumentId('shop.public.log', 3, 1200)).toBe('shop.public.log+3+1200');
  });
});
