import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configInfos } from '../../config/config-infos.js';
import { renderConfigReference } from '../../config/config-reference.js';
import { ConfigError } from '../../errors.js';
import { createTestDatabase, withClient, type TestDatabase } from '../../../test/support/postgres.js';
import { POSTGRES_SOURCE_CLASS, POSTGRES_SOURCE_CONFIG, POSTGRES_SOURCE_KEYS, parsePostgresSourceConfig } from './postgres-source-config.js';

const BASE = {
  name: 'inventory',
  'connector.class': POSTGRES_SOURCE_CLASS,
  'topic.prefix': 'shop',
  'database.hostname': 'db.internal',
  'database.user': 'cdc',
  'database.password': 'secret',
  'database.dbname': 'app',
};

/** The ConfigError message of a config that must be refused. */
function refusal(overrides: Record<string, string>): string {
  try {
    parsePostgresSourceConfig({ ...BASE, ...overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the config was accepted');
}

describe('parsePostgresSourceConfig', () => {
  it("fills in Debezium's defaults, and ours where documented", () => {
    const config = parsePostgresSourceConfig(BASE);
    expect(config).toMatchObject({
      topicPrefix: 'shop',
      hostname: 'db.internal',
      port: 5432,
      user: 'cdc',
      password: 'secret',
      database: 'app',
      sslMode: 'prefer',
      sslRootCert: null,
      sslCert: null,
      sslKey: null,
      pluginName: 'pgoutput',
      slotName: 'debezium',
      slotDropOnStop: false,
      publicationName: 'dbz_publication',
      publicationAutocreateMode: 'all_tables',
      statusUpdateIntervalMs: 10000,
      snapshotMode: 'initial',
      snapshotFetchSize: 2048,
      heartbeatIntervalMs: 10000,
      tombstonesOnDelete: true,
      decimalHandlingMode: 'precise',
      timePrecisionMode: 'adaptive',
      binaryHandlingMode: 'bytes',
      intervalHandlingMode: 'numeric',
      moneyFractionDigits: 2,
      unavailableValuePlaceholder: '__debezium_unavailable_value',
      provideTransactionMetadata: false,
      warnings: [],
    });
    expect([...config.skippedOperations]).toEqual(['t']);
    expect(config.tableFilter('public', 'orders')).toBe(true);
    expect(config.columnFilter('public', 'orders', 'id')).toBe(true);
    expect(config.messagePrefixFilter('anything')).toBe(true);
  });

  it('reads every value it is given, enum values in any case', () => {
    const config = parsePostgresSourceConfig({
      ...BASE,
      'database.port': '6543',
      'database.sslmode': 'VERIFY-FULL',
      'database.sslrootcert': '/etc/ssl/root.crt',
      'slot.name': 'shop_slot',
      'slot.drop.on.stop': 'true',
      'publication.autocreate.mode': 'filtered',
      'snapshot.mode': 'when_needed',
      'heartbeat.interval.ms': '0',
      'skipped.operations': 'none',
      'decimal.handling.mode': 'String',
      'time.precision.mode': 'isostring',
      'binary.handling.mode': 'base64-url-safe',
      'interval.handling.mode': 'string',
      'tombstones.on.delete': 'false',
      'provide.transaction.metadata': 'true',
    });
    expect(config).toMatchObject({
      port: 6543,
      sslMode: 'verify-full',
      sslRootCert: '/etc/ssl/root.crt',
      slotName: 'shop_slot',
      slotDropOnStop: true,
      publicationAutocreateMode: 'filtered',
      snapshotMode: 'when_needed',
      heartbeatIntervalMs: 0,
      decimalHandlingMode: 'string',
      timePrecisionMode: 'isostring',
      binaryHandlingMode: 'base64-url-safe',
      intervalHandlingMode: 'string',
      tombstonesOnDelete: false,
      provideTransactionMetadata: true,
    });
    expect(config.skippedOperations.size).toBe(0);
  });

  it('accepts database.server.name for topic.prefix, with a deprecation warning', () => {
    const { 'topic.prefix': _, ...legacy } = BASE;
    const config = parsePostgresSourceConfig({ ...legacy, 'database.server.name': 'legacy' });
    expect(config.topicPrefix).toBe('legacy');
    expect(config.warnings).toEqual([
      { key: 'database.server.name', message: 'Configuration "database.server.name" is deprecated; use "topic.prefix" instead. Debezium 2.0 replaced it with topic.prefix.' },
    ]);
  });

  it('maps snapshot.mode=never to no_data, with a deprecation warning', () => {
    const config = parsePostgresSourceConfig({ ...BASE, 'snapshot.mode': 'never' });
    expect(config.snapshotMode).toBe('no_data');
    expect(config.warnings).toEqual([{ key: 'snapshot.mode', message: 'Value "never" of configuration "snapshot.mode" is deprecated; use "no_data" instead.' }]);
  });

  it('warns about keys it does not know', () => {
    const config = parsePostgresSourceConfig({ ...BASE, 'table.include.lst': 'public.orders' });
    expect(config.warnings).toEqual([
      { key: 'table.include.lst', message: "The configuration 'table.include.lst' was supplied but isn't a known config. Did you mean 'table.include.list'?" },
    ]);
  });

  it('lists every missing required key in one error', () => {
    const message = refusal({ 'topic.prefix': '', 'database.hostname': '', 'database.user': '', 'database.dbname': '' });
    expect(message).toContain('has 4 problems');
    for (const key of ['topic.prefix', 'database.hostname', 'database.user', 'database.dbname']) {
      expect(message).toContain(`- ${key}: Missing required configuration "${key}" which has no default value. It is: `);
    }
  });

  it('refuses every other logical decoding plugin, saying why pgoutput needs no extension', () => {
    for (const plugin of ['decoderbufs', 'wal2json']) {
      expect(refusal({ 'plugin.name': plugin })).toContain(
        `- plugin.name: Invalid value ${plugin} for configuration plugin.name: Only pgoutput is supported. pgoutput is built into PostgreSQL 10 and later, so it needs no server extension`,
      );
    }
    expect(parsePostgresSourceConfig({ ...BASE, 'plugin.name': 'PGOUTPUT' }).pluginName).toBe('pgoutput');
  });

  it('refuses values outside each enum, listing the accepted ones', () => {
    expect(refusal({ 'snapshot.mode': 'custom' })).toContain(
      '- snapshot.mode: Invalid value custom for configuration snapshot.mode: String must be one of (case insensitive): initial, initial_only, no_data, always, when_needed',
    );
    expect(refusal({ 'database.sslmode': 'on' })).toContain(
      'Invalid value on for configuration database.sslmode: String must be one of (case insensitive): disable, allow, prefer, require, verify-ca, verify-full',
    );
    expect(refusal({ 'publication.autocreate.mode': 'no_tables' })).toContain('String must be one of (case insensitive): all_tables, filtered, disabled');
    expect(refusal({ 'decimal.handling.mode': 'float' })).toContain('String must be one of (case insensitive): precise, string, double');
    expect(refusal({ 'time.precision.mode': 'nanos' })).toContain('String must be one of (case insensitive): adaptive, adaptive_time_microseconds, connect, isostring');
    expect(refusal({ 'binary.handling.mode': 'base32' })).toContain('String must be one of (case insensitive): bytes, base64, base64-url-safe, hex');
    expect(refusal({ 'interval.handling.mode': 'iso' })).toContain('String must be one of (case insensitive): numeric, string');
  });

  it('refuses a topic prefix with characters a topic name cannot hold', () => {
    expect(refusal({ 'topic.prefix': 'shop/eu' })).toContain(
      '- topic.prefix: Invalid value shop/eu for configuration topic.prefix: shop/eu has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)',
    );
  });

  it('refuses numbers out of range or of the wrong type', () => {
    expect(refusal({ 'database.port': '70000' })).toContain('Invalid value 70000 for configuration database.port: Value must be no more than 65535');
    expect(refusal({ 'database.port': 'five' })).toContain('Invalid value five for configuration database.port: Not a number of type INT');
    expect(refusal({ 'snapshot.fetch.size': '0' })).toContain('Invalid value 0 for configuration snapshot.fetch.size: Value must be at least 1');
    expect(refusal({ 'heartbeat.interval.ms': '-1' })).toContain('Invalid value -1 for configuration heartbeat.interval.ms: Value must be at least 0');
  });

  it('refuses skipped operations it does not know, and none mixed with others', () => {
    expect(refusal({ 'skipped.operations': 'c,x' })).toContain('Invalid value c,x for configuration skipped.operations: String must be one of: c, u, d, t, none');
    expect(refusal({ 'skipped.operations': 'none,d' })).toContain("Invalid value none for configuration skipped.operations: 'none' cannot be specified with other skipped operation types");
    expect([...parsePostgresSourceConfig({ ...BASE, 'skipped.operations': 'd, u' }).skippedOperations]).toEqual(['d', 'u']);
  });

  it('refuses an include list and the exclude list of the same kind together', () => {
    for (const kind of ['schema', 'table', 'column', 'message.prefix']) {
      expect(refusal({ [`${kind}.include.list`]: 'a', [`${kind}.exclude.list`]: 'b' })).toContain(
        `- ${kind}.exclude.list: Invalid value b for configuration ${kind}.exclude.list: "${kind}.include.list" is already specified; set only one of ${kind}.include.list and ${kind}.exclude.list`,
      );
    }
  });

  it('refuses a filter that is not a list of regular expressions', () => {
    expect(refusal({ 'table.include.list': 'public.orders,public.(' })).toContain(
      '- table.include.list: Invalid value public.orders,public.( for configuration table.include.list: A comma-separated list of valid regular expressions is expected, but ',
    );
  });

  it('refuses the slot names Postgres refuses', () => {
    for (const name of ['Debezium', 'shop-slot', 'a'.repeat(64), '']) {
      expect(refusal({ 'slot.name': name })).toContain(
        `- slot.name: Invalid value ${name} for configuration slot.name: Valid replication slot name must contain only digits, lowercase characters and underscores with length <= 63`,
      );
    }
  });
});

describe('table and column filters', () => {
  it('match whole schema.table names, ignoring case, as Debezium anchors them', () => {
    const { tableFilter } = parsePostgresSourceConfig({ ...BASE, 'table.include.list': 'public\\.orders, inventory\\..*' });
    expect(tableFilter('public', 'orders')).toBe(true);
    expect(tableFilter('PUBLIC', 'Orders')).toBe(true);
    expect(tableFilter('inventory', 'anything')).toBe(true);
    expect(tableFilter('public', 'orders_archive')).toBe(false);
    expect(tableFilter('xpublic', 'orders')).toBe(false);
  });

  it('exclude what an exclude list matches', () => {
    const { tableFilter } = parsePostgresSourceConfig({ ...BASE, 'table.exclude.list': 'public\\.audit_.*' });
    expect(tableFilter('public', 'audit_log')).toBe(false);
    expect(tableFilter('public', 'orders')).toBe(true);
  });

  it('combine schema and table filters, and never capture system tables', () => {
    const { tableFilter } = parsePostgresSourceConfig({ ...BASE, 'schema.exclude.list': 'staging', 'table.include.list': '.*\\.orders' });
    expect(tableFilter('public', 'orders')).toBe(true);
    expect(tableFilter('staging', 'orders')).toBe(false);
    const all = parsePostgresSourceConfig(BASE).tableFilter;
    expect(all('pg_catalog', 'pg_class')).toBe(false);
    expect(all('information_schema', 'tables')).toBe(false);
    expect(all('pg_temp_3', 'scratch')).toBe(false);
    expect(all('public', 'spatial_ref_sys')).toBe(false);
  });

  it('match columns as schema.table.column, with \\, for a comma inside a pattern', () => {
    const { columnFilter } = parsePostgresSourceConfig({ ...BASE, 'column.exclude.list': 'public\\.customers\\.(ssn|card_no), public\\.x{1\\,2}\\.secret' });
    expect(columnFilter('public', 'customers', 'ssn')).toBe(false);
    expect(columnFilter('public', 'customers', 'Card_No')).toBe(false);
    expect(columnFilter('public', 'customers', 'name')).toBe(true);
    expect(columnFilter('public', 'xx', 'secret')).toBe(false);
    expect(columnFilter('public', 'xxx', 'secret')).toBe(true);
  });

  it('select logical decoding message prefixes', () => {
    const { messagePrefixFilter } = parsePostgresSourceConfig({ ...BASE, 'message.prefix.include.list': 'audit.*' });
    expect(messagePrefixFilter('audit-v1')).toBe(true);
    expect(messagePrefixFilter('metrics')).toBe(false);
  });
});

describe('slot name validation against PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pgcfg');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('accepts exactly the names PostgreSQL keeps as given', async () => {
    const candidates = ['debezium', 'shop_2024', 'a'.repeat(63), 'a'.repeat(64), 'Debezium', 'shop-slot', 'shop.slot'];
    await withClient(db.url, async (client) => {
      for (const name of candidates) {
        let oursAccepts = true;
        try {
          parsePostgresSourceConfig({ ...BASE, 'slot.name': name });
        } catch {
          oursAccepts = false;
        }
        // A temporary physical slot follows the same naming rules as a logical one, without waiting
        // for running transactions. A name past 63 bytes is truncated, not refused: a slot then
        // exists under another name than the configured one, which is why we refuse it.
        const created = await client.query<{ slot_name: string }>('SELECT slot_name FROM pg_create_physical_replication_slot($1, false, true)', [name]).then(
          (result) => result.rows[0]!.slot_name,
          () => null,
        );
        if (created !== null) await client.query('SELECT pg_drop_replication_slot($1)', [created]);
        expect({ name, accepted: oursAccepts }).toEqual({ name, accepted: created === name });
      }
    });
  });
});

describe('declarations', () => {
  it('feed the validate endpoint', () => {
    const infos = configInfos(POSTGRES_SOURCE_CLASS, POSTGRES_SOURCE_CONFIG, { 'connector.class': POSTGRES_SOURCE_CLASS, name: 'inventory' });
    const prefix = infos.configs.find((config) => config.definition.name === 'topic.prefix')!;
    expect(prefix.definition).toMatchObject({ type: 'STRING', required: true, default_value: null, importance: 'HIGH', group: 'Connection' });
    expect(prefix.value).toEqual({
      name: 'topic.prefix',
      value: null,
      recommended_values: [],
      errors: ['Missing required configuration "topic.prefix" which has no default value.'],
      visible: true,
    });
    expect(infos.error_count).toBe(4);
    expect(infos.groups).toContain('Common');
    expect(infos.groups).toContain('Filters');
  });

  it('feed a reference that documents every key of the connector', () => {
    const reference = renderConfigReference(POSTGRES_SOURCE_KEYS);
    for (const key of POSTGRES_SOURCE_KEYS.keys) expect(reference).toContain(`| \`${key.name}\` | ${key.type} |`);
    expect(reference).toContain('Deprecated alias: `database.server.name`.');
  });
});
