import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectSchema, Envelope, Row } from '../../events.js';
import type { TypeMappingOptions } from '../../sources/postgres/types/column-mapping.js';
import { created, ORDERS } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { openTextFixture, type TextFixture } from '../../../test/support/type-fixture.js';
import { toJson } from '../../json.js';
import { DocumentConverter } from './document-values.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('os_values');
});

afterAll(async () => {
  await fixture.close();
});

/** Rows of a real table as the Postgres source converts them, with their row schema. */
async function capture(columns: Record<string, string>, rows: string[][], options: Partial<TypeMappingOptions> = {}) {
  const read = await fixture.read(columns, rows, options);
  const names = Object.keys(columns);
  const schema: ConnectSchema = { type: 'struct', optional: true, name: 'shop.public.t.Value', fields: names.map((name) => read[name]!.field) };
  const values = names.map((name) => read[name]!.values());
  const rowsRead: Row[] = rows.map((_, i) => Object.fromEntries(names.map((name, j) => [name, values[j]![i]])));
  return { schema, rows: rowsRead, texts: (name: string) => read[name]!.texts };
}

const numbers = new DocumentConverter(false);
const texts = new DocumentConverter(true);

/** Each row's JSON text, written straight from the row, is the document's as toJson writes it, under both decimal formats. */
function expectJsonOfDocuments(rows: Row[], schema: ConnectSchema): void {
  for (const converter of [numbers, texts]) {
    for (const row of rows) expect(converter.documentJson(row, schema)).toBe(toJson(converter.document(row, schema)));
  }
}

describe('document values', () => {
  it('write decimals as numbers when exact, else as their exact text; always as text with decimal.format=string', async () => {
    const { schema, rows, texts: printed } = await capture({ amount: 'numeric(10,2)', wide: 'numeric(40,5)', free: 'numeric', trimmed: 'text' }, [
      ['5094.61', '1234567890123456789012345.12345', '3.14159265358979323846', 'trim_scale(3.14159265358979323846)::text'],
      ['-0.05', '0.00001', '100.500', 'trim_scale(100.500)::text'],
      ['12345678.90', '-12.5', '-7', 'trim_scale(-7::numeric)::text'],
    ]);
    expect(rows.map((row) => numbers.document(row, schema))).toEqual([
      { amount: 5094.61, wide: '1234567890123456789012345.12345', free: '3.14159265358979323846', trimmed: '3.14159265358979323846' },
      { amount: -0.05, wide: 0.00001, free: 100.5, trimmed: '100.5' },
      { amount: 12345678.9, wide: -12.5, free: -7, trimmed: '-7' },
    ]);
    // As text they are Postgres's own text (numeric without a scale loses its trailing zeros, as Debezium's VariableScaleDecimal does).
    const asText = rows.map((row) => texts.document(row, schema));
    expect(asText.map((doc) => doc['amount'])).toEqual(printed('amount'));
    expect(asText.map((doc) => doc['wide'])).toEqual(printed('wide'));
    expect(asText.map((doc) => doc['free'])).toEqual(printed('trimmed'));
    expectJsonOfDocuments(rows, schema);
  });

  it('write dates, timestamps and times as ISO text with every digit of the column\'s precision', async () => {
    const values = ['1969-12-31 23:59:59.999999', '1900-01-01 00:00:00', '2024-02-29 13:05:09.5', '9999-12-30 23:59:59.999999'];
    const { schema, rows, texts: postgres } = await capture(
      { d: 'date', ts3: 'timestamp(3)', ts6: 'timestamp', tz: 'timestamptz', t3: 'time(3)', t6: 'time', d_iso: 'text', ts3_iso: 'text', ts6_iso: 'text', t3_iso: 'text', t6_iso: 'text' },
      values.map((v) => {
        const [date, time] = v.split(' ');
        return [
          `'${date}'`, `'${v}'`, `'${v}'`, `'${v}+00'`, `'${time}'`, `'${time}'`,
          `to_char('${date}'::date, 'YYYY-MM-DD')`,
          `to_char('${v}'::timestamp(3), 'YYYY-MM-DD"T"HH24:MI:SS.MS')`,
          `to_char('${v}'::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
          `to_char('${time}'::time(3), 'HH24:MI:SS.MS')`,
          `to_char('${time}'::time, 'HH24:MI:SS.US')`,
        ];
      }),
    );
    const documents = rows.map((row) => numbers.document(row, schema));
    expect(documents.map((doc) => doc['d'])).toEqual(postgres('d_iso'));
    expect(documents.map((doc) => doc['ts3'])).toEqual(postgres('ts3_iso'));
    expect(documents.map((doc) => doc['ts6'])).toEqual(postgres('ts6_iso'));
    expect(documents.map((doc) => doc['t3'])).toEqual(postgres('t3_iso'));
    expect(documents.map((doc) => doc['t6'])).toEqual(postgres('t6_iso'));
    expect(documents.map((doc) => doc['tz'])).toEqual(rows.map((row) => row['tz']));
    expect(documents[0]).toMatchObject({ d: '1969-12-31', ts3: '1970-01-01T00:00:00.000', ts6: '1969-12-31T23:59:59.999999', tz: '1969-12-31T23:59:59.999999Z', t6: '23:59:59.999999' });
    expectJsonOfDocuments(rows, schema);
  });

  it('read Connect\'s own temporal types the same way (time.precision.mode=connect)', async () => {
    const { schema, rows } = await capture({ d: 'date', ts: 'timestamp', t: 'time' }, [["'2024-03-07'", "'2024-03-05 10:15:30.123'", "'10:15:30.123'"]], { timePrecisionMode: 'connect' });
    expect(schema.fields!.map((f) => f.name)).toEqual(['org.apache.kafka.connect.data.Date', 'org.apache.kafka.connect.data.Timestamp', 'org.apache.kafka.connect.data.Time']);
    expect(numbers.document(rows[0]!, schema)).toEqual({ d: '2024-03-07', ts: '2024-03-05T10:15:30.123', t: '10:15:30.123' });
  });

  it('parse json, keep bytes as base64 and bigints exact, and null non-finite floats', async () => {
    const { schema, rows, texts: postgres } = await capture(
      { doc: 'jsonb', raw: 'json', data: 'bytea', data_base64: 'text', big: 'int8', ratio: 'float8', small: 'float4', id: 'uuid', active: 'boolean' },
      [
        [`'{"a": [1, 2.5], "b": {"c": null}, "d": "x"}'`, `'[1, "two"]'`, `'\\x0102ff'::bytea`, `encode('\\x0102ff'::bytea, 'base64')`, '9223372036854775807', "'NaN'", "'Infinity'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", 'true'],
        [`'"just a string"'`, `'42'`, `''::bytea`, `encode(''::bytea, 'base64')`, '-42', '0.1', "'-Infinity'", "'00000000-0000-0000-0000-000000000000'", 'false'],
      ],
    );
    const documents = rows.map((row) => numbers.document(row, schema));
    expect(documents.map(({ data_base64: _expected, ...doc }) => doc)).toEqual([
      { doc: { a: [1, 2.5], b: { c: null }, d: 'x' }, raw: [1, 'two'], data: postgres('data_base64')[0], big: 9223372036854775807n, ratio: null, small: null, id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', active: true },
      { doc: 'just a string', raw: 42, data: '', big: -42, ratio: 0.1, small: null, id: '00000000-0000-0000-0000-000000000000', active: false },
    ]);
    expect(documents[0]!['data']).toBe('AQL/');
    expectJsonOfDocuments(rows, schema);
    expect(numbers.documentJson(rows[0]!, schema)).toContain('"big":9223372036854775807,"ratio":null');
  });

  it('convert arrays element by element, nested ones too, and keep nulls', async () => {
    const { schema, rows } = await capture(
      { ints: 'int4[]', amounts: 'numeric(5,2)[]', days: 'date[]', grid: 'int4[]', tags: 'text[]', stamps: 'timestamp[]' },
      [["'{1,NULL,3}'", "'{1.50,2.25,NULL}'", "'{2024-03-07,1970-01-01}'", "'{{1,2},{3,4}}'", `'{"a b",NULL,c}'`, "'{\"2024-03-05 10:15:30.5\"}'"]],
    );
    expect(numbers.document(rows[0]!, schema)).toEqual({
      ints: [1, null, 3],
      amounts: [1.5, 2.25, null],
      days: ['2024-03-07', '1970-01-01'],
      grid: [[1, 2], [3, 4]],
      tags: ['a b', null, 'c'],
      stamps: ['2024-03-05T10:15:30.500000'],
    });
    expectJsonOfDocuments(rows, schema);
  });

  it('write text with every character JSON must escape as JSON.stringify does', async () => {
    const { schema, rows } = await capture({ note: 'text', title: 'varchar(40)' }, [
      [`E'say "hi" \\\\ back\\nnew line\\ttab\\x01 bell'`, `'Grüße 😀 東京'`],
      [`'plain text'`, `E'\\u2028 separators \\u2029 and DEL \\x7f'`],
    ]);
    expect(rows[0]!['note']).toBe('say "hi" \\ back\nnew line\ttab\u0001 bell');
    expectJsonOfDocuments(rows, schema);
    // A lone surrogate cannot come from Postgres (its text is valid UTF-8), but may from a transform.
    expectJsonOfDocuments([{ note: 'half \ud83d of a pair', title: '\udc00' }], schema);
  });

  it('gives the same document for an envelope\'s after row and the flat row of ExtractNewRecordState', () => {
    const unwrap = createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, { 'add.fields': 'lsn' });
    const flat = unwrap.apply(created)!;
    const afterSchema = created.valueSchema!.fields!.find((f) => f.field === 'after')!;
    const fromEnvelope = numbers.document((created.value as Envelope).after!, afterSchema);
    expect(fromEnvelope).toEqual({
      id: 1,
      customer: 'Alice',
      total: 5094.61,
      status: 'new',
      placed_at: '2024-03-05T09:00:00.500000Z',
      updated_at: '2024-03-05T09:00:00.250001',
      shipped: false,
      ship_date: '2024-03-07',
    });
    expect(numbers.document(flat.value as Row, flat.valueSchema)).toEqual({ ...fromEnvelope, __lsn: 33837424 });
  });

  it('leaves out the fields it is told to, and takes schemaless rows as they are', () => {
    const after = (created.value as Envelope).after!;
    expect(Object.keys(numbers.document(after, ORDERS.rowSchema, ['customer', 'status']))).toEqual(['id', 'total', 'placed_at', 'updated_at', 'shipped', 'ship_date']);
    expect(numbers.document({ id: 1, total: 'B8YV', note: null }, null, ['note'])).toEqual({ id: 1, total: 'B8YV' });
  });

  it('leaves out the fields a row lacks, and takes any field name as an own property', () => {
    const field = (name: string): NonNullable<ConnectSchema['fields']>[number] => ({ field: name, type: 'string', optional: true });
    const schema: ConnectSchema = { type: 'struct', optional: true, fields: [field('__proto__'), field('a"b'), { ...field('d'), type: 'int32', name: 'io.debezium.time.Date' }] };
    const whole = numbers.document(JSON.parse('{"__proto__":"p","a\\"b":null,"d":19789}') as Row, schema);
    expect(Object.getPrototypeOf(whole)).toBe(Object.prototype);
    expect(Object.entries(whole)).toEqual([
      ['__proto__', 'p'],
      ['a"b', null],
      ['d', '2024-03-07'],
    ]);
    expect(Object.entries(numbers.document({ d: 19789 }, schema))).toEqual([['d', '2024-03-07']]);
    expect(numbers.document({ d: 1 }, { type: 'struct', optional: true, fields: [] })).toEqual({});
    expectJsonOfDocuments([JSON.parse('{"__proto__":"p","a\\"b":null,"d":19789}') as Row, { d: 19789 }], schema);
    expect(numbers.documentJson({ d: 1 }, { type: 'struct', optional: true, fields: [] })).toBe('{}');
  });

  it('write a document\'s JSON text in the schema\'s order, names that read as integers included, and leave out what it is told to', () => {
    const field = (name: string): NonNullable<ConnectSchema['fields']>[number] => ({ field: name, type: 'int32', optional: true });
    const schema: ConnectSchema = { type: 'struct', optional: true, fields: [field('b'), field('2024'), field('a')] };
    expect(numbers.documentJson({ b: 1, 2024: 2, a: 3 }, schema)).toBe('{"b":1,"2024":2,"a":3}');
    expect(numbers.documentJson({ b: 1, 2024: 2, a: 3 }, schema, ['2024'])).toBe('{"b":1,"a":3}');
    expect(numbers.documentJson({ b: 1, a: 3, extra: 4 }, null)).toBe('{"b":1,"a":3,"extra":4}');
  });

  it('passes values of an unexpected shape through unchanged', () => {
    const decimal: ConnectSchema = { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } };
    const date: ConnectSchema = { type: 'int32', optional: true, name: 'io.debezium.time.Date' };
    expect([numbers.value(12.5, decimal), numbers.value('2024-03-07', date), numbers.value('{not json', { type: 'string', optional: true, name: 'io.debezium.data.Json' })]).toEqual([
      12.5,
      '2024-03-07',
      '{not json',
    ]);
  });
});
