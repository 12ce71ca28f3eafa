import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNKNOWN_LENGTH, sourceColumn } from './source-column.js';
import { openTextFixture, type ReadColumn, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;
let columns: Record<string, ReadColumn>;

// Column sizes as the JDBC driver reports them and Debezium propagates them (its tests expect e.g.
// VARCHAR(2) -> 2/0, NUMERIC(8,3) -> 8/3, MONEY and enums -> 2147483647/0, domain varbit(3) -> 3/0).
const EXPECTED: Record<string, [definition: string, root: string, length: number, scale: number]> = {
  small: ['int2', 'int2', 5, 0],
  regular: ['int4', 'int4', 10, 0],
  big: ['int8', 'int8', 19, 0],
  real4: ['float4', 'float4', 8, 8],
  real8: ['float8', 'float8', 17, 17],
  flag: ['bool', 'bool', 1, 0],
  fixed: ['numeric(8,3)', 'numeric', 8, 3],
  whole: ['numeric(5)', 'numeric', 5, 0],
  variable: ['numeric', 'numeric', 131089, 0],
  cash: ['money', 'money', UNKNOWN_LENGTH, 0],
  short_text: ['varchar(2)', 'varchar', 2, 0],
  padded: ['char(4)', 'bpchar', 4, 0],
  long_text: ['text', 'text', UNKNOWN_LENGTH, 0],
  day: ['date', 'date', 13, 0],
  // "HH:MM:SS" (8) + "." and 6 digits; +6 for a zone; +14 for the date part ('5874897-12-31 ')
  clock: ['time', 'time', 15, 6],
  clock_ms: ['time(3)', 'time', 12, 3],
  clock_tz: ['timetz', 'timetz', 21, 6],
  stamp: ['timestamp', 'timestamp', 29, 6],
  stamp_s: ['timestamp(0)', 'timestamp', 22, 0],
  stamp_tz: ['timestamptz(3)', 'timestamptz', 32, 3],
  span: ['interval', 'interval', 49, 6],
  span_ms: ['interval day to second(3)', 'interval', 49, 3],
  bits: ['bit(3)', 'bit', 3, 0],
  any_bits: ['varbit', 'varbit', UNKNOWN_LENGTH, 0],
  id: ['uuid', 'uuid', UNKNOWN_LENGTH, 0],
  fixed_list: ['numeric(5,1)[]', '_numeric', 5, 1],
  text_list: ['text[]', '_text', UNKNOWN_LENGTH, 0],
  amount: ['amount', 'numeric', 10, 2],
  positive: ['positive_amount', 'numeric', 10, 2],
  bits3: ['varbit2', 'varbit', 3, 0],
  feeling: ['mood', 'mood', UNKNOWN_LENGTH, 0],
  feelings: ['mood[]', '_mood', UNKNOWN_LENGTH, 0],
};

beforeAll(async () => {
  fixture = await openTextFixture('source_column');
  await fixture.sql(`
    CREATE DOMAIN amount AS numeric(10, 2);
    CREATE DOMAIN positive_amount AS amount CHECK (VALUE > 0);
    CREATE DOMAIN varbit2 AS varbit(3);
    CREATE TYPE mood AS ENUM ('sad', 'happy');`);
  columns = await fixture.read(Object.fromEntries(Object.entries(EXPECTED).map(([name, [definition]]) => [name, definition])), []);
});

afterAll(async () => {
  await fixture.close();
});

describe('sourceColumn', () => {
  for (const [name, [definition, root, length, scale]] of Object.entries(EXPECTED)) {
    it(`sizes ${definition} as ${length}/${scale}, mapped from ${root}`, () => {
      const column = columns[name]!;
      const source = sourceColumn(column.type, column.typeMod);
      expect({ root: source.root.name, length: source.length, scale: source.scale }).toEqual({ root, length, scale });
    });
  }
});
