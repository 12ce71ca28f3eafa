import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../events.js';
import { created } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { openTextFixture, type TextFixture } from '../../../test/support/type-fixture.js';
import { deriveIndexMapping, underTemplate } from './index-mapping.js';

let fixture: TextFixture;
beforeAll(async () => {
  fixture = await openTextFixture('os_mapping');
});
afterAll(async () => {
  await fixture.close();
});

/** The row schema the Postgres source gives a table with these columns. */
async function rowSchema(columns: Record<string, string>): Promise<ConnectSchema> {
  const read = await fixture.read(columns, []);
  return { type: 'struct', optional: true, name: 'shop.public.t.Value', fields: Object.keys(columns).map((name) => read[name]!.field) };
}

const TEXT = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
const DATE = { type: 'date', format: 'strict_date_optional_time||epoch_millis', ignore_malformed: true };

describe('derived index mappings', () => {
  it('map Postgres column types to the OpenSearch types that keep their values', async () => {
    const schema = await rowSchema({
      small: 'int2', regular: 'int4', big: 'int8', real: 'float4', double: 'float8', flag: 'boolean',
      price: 'numeric(10,2)', wide: 'numeric(30,4)', free: 'numeric', cash: 'money',
      day: 'date', stamp: 'timestamp(3)', micro: 'timestamp', zoned: 'timestamptz', clock: 'time', zclock: 'timetz', span: 'interval',
      body: 'text', title: 'varchar(200)', code: 'char(3)', ident: 'uuid', doc: 'jsonb', raw: 'json', blob: 'bytea', flags: 'bit(8)', addr: 'inet', markup: 'xml',
      ints: 'int4[]', labels: 'text[]', codes: 'char(2)[]', days: 'date[]',
    });
    expect(deriveIndexMapping(schema)).toEqual({
      properties: {
        small: { type: 'short' }, regular: { type: 'integer' }, big: { type: 'long' }, real: { type: 'float' }, double: { type: 'double' }, flag: { type: 'boolean' },
        price: { type: 'scaled_float', scaling_factor: 100 }, wide: { type: 'double' }, free: { type: 'double' }, cash: { type: 'double' },
        day: DATE, stamp: DATE, micro: DATE, zoned: DATE, clock: { type: 'keyword' }, zclock: { type: 'keyword' }, span: { type: 'long' },
        body: TEXT, title: TEXT, code: { type: 'keyword' }, ident: { type: 'keyword' }, doc: { type: 'object' }, raw: { type: 'object' }, blob: { type: 'binary' }, flags: { type: 'binary' }, addr: { type: 'keyword' }, markup: { type: 'text' },
        ints: { type: 'integer' }, labels: TEXT, codes: { type: 'keyword' }, days: DATE,
      },
    });
  });

  it('map enums as keywords and Connect\'s temporal types as dates', async () => {
    await fixture.sql(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
    expect(deriveIndexMapping(await rowSchema({ feeling: 'mood' }))).toEqual({ properties: { feeling: { type: 'keyword' } } });
    const read = await fixture.read({ day: 'date', stamp: 'timestamp' }, [], { timePrecisionMode: 'connect' });
    expect(deriveIndexMapping({ type: 'struct', optional: false, fields: [read['day']!.field, read['stamp']!.field] })).toEqual({ properties: { day: DATE, stamp: DATE } });
  });

  it('map nested structs as objects and leave unknown shapes to dynamic mapping', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      optional: false,
      fields: [
        { field: 'point', type: 'struct', optional: true, fields: [{ field: 'x', type: 'double', optional: false }, { field: 'srid', type: 'int32', optional: true }] },
        { field: 'attributes', type: 'map', optional: true, keys: { type: 'string', optional: false }, values: { type: 'string', optional: true } },
        { field: 'untyped', type: 'array', optional: true },
      ],
    };
    expect(deriveIndexMapping(schema)).toEqual({ properties: { point: { type: 'object', properties: { x: { type: 'double' }, srid: { type: 'integer' } } }, attributes: { type: 'object' } } });
    expect(deriveIndexMapping(null)).toBeNull();
  });

  it('map the flat rows of ExtractNewRecordState, added fields included', () => {
    const flat = createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, { 'add.fields': 'op,source.lsn' }).apply(created)!;
    expect(deriveIndexMapping(flat.valueSchema)).toEqual({
      properties: {
        id: { type: 'integer' },
        customer: TEXT,
        total: { type: 'scaled_float', scaling_factor: 100 },
        status: TEXT,
        placed_at: DATE,
        updated_at: DATE,
        shipped: { type: 'boolean' },
        ship_date: DATE,
        __op: TEXT,
        __source_lsn: { type: 'long' },
      },
    });
  });
});

describe('derived mappings under a matching index template', () => {
  const DERIVED = { properties: { id: { type: 'integer' }, status: TEXT, meta: { type: 'object', properties: { a: { type: 'long' } } } } };

  it('keep only the top-level fields the template does not map, and all of them without template mappings', () => {
    expect(underTemplate(DERIVED, { properties: { status: { type: 'keyword' }, meta: { properties: { b: { type: 'keyword' } } } } })).toEqual({ properties: { id: { type: 'integer' } } });
    expect(underTemplate(DERIVED, { dynamic: 'true', properties: { other: { type: 'keyword' } } })).toEqual(DERIVED);
    expect(underTemplate(DERIVED, undefined)).toEqual(DERIVED);
    expect(underTemplate(DERIVED, { properties: { id: {}, status: {}, meta: {} } })).toBeNull();
  });

  it('leave every field to a template that turns dynamic mapping off or maps fields by dynamic templates', () => {
    for (const dynamic of [false, 'false', 'strict', 'runtime', 'strict_allow_templates']) expect(underTemplate(DERIVED, { dynamic, properties: {} })).toBeNull();
    expect(underTemplate(DERIVED, { dynamic_templates: [{ strings: { match_mapping_type: 'string', mapping: { type: 'keyword' } } }] })).toBeNull();
  });
});
