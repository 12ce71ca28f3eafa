import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandTemplate, indexNameProblem, IndexNamer, sanitizeIndexName, templateProblem, type TableRef } from './index-name.js';

const ORDERS: TableRef = { topic: 'shop.public.orders', prefix: 'shop', schema: 'public', table: 'orders' };

/** OpenSearch's checks on an index name (MetadataCreateIndexService.validateIndexOrAliasName). */
function isValidIndexName(name: string): boolean {
  return (
    name !== '' &&
    name === name.toLowerCase() &&
    !/[\\/*?"<>| ,#:]/.test(name) &&
    !/^[-_+]/.test(name) &&
    name !== '.' &&
    name !== '..' &&
    Buffer.byteLength(name) <= 255
  );
}

describe('index names', () => {
  it('expand the template with the record\'s topic, prefix, schema and table', () => {
    expect(expandTemplate('${topic}', ORDERS)).toBe('shop.public.orders');
    expect(expandTemplate('${schema}_${table}', ORDERS)).toBe('public_orders');
    expect(expandTemplate('cdc-${prefix}-${table}-v1', ORDERS)).toBe('cdc-shop-orders-v1');
  });

  it('are lower-cased and made valid by OpenSearch\'s rules', () => {
    expect(sanitizeIndexName('Shop.Public.Orders')).toBe('shop.public.orders');
    expect(sanitizeIndexName('a\\b/c*d?e"f<g>h|i j,k#l:m')).toBe('a_b_c_d_e_f_g_h_i_j_k_l_m');
    expect(sanitizeIndexName('_-+orders')).toBe('orders');
    expect(sanitizeIndexName('.')).toBe('dot');
    expect(sanitizeIndexName('..')).toBe('dotdot');
    expect(sanitizeIndexName('__')).toBe('index');
    expect(sanitizeIndexName('.hidden')).toBe('.hidden');
  });

  it('are cut to 255 bytes, never inside a character', () => {
    expect(sanitizeIndexName('x'.repeat(300))).toBe('x'.repeat(255));
    // 'é' takes two bytes: 127 of them are 254 bytes, a 128th would make 256.
    expect(sanitizeIndexName('é'.repeat(200))).toBe('é'.repeat(127));
  });

  it('are always valid and stable, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (name) => {
        const valid = sanitizeIndexName(name);
        expect(isValidIndexName(valid)).toBe(true);
        expect(sanitizeIndexName(valid)).toBe(valid);
      }),
    );
  });

  it('come from the topic map first, else from the template, once per table', () => {
    const namer = new IndexNamer('${schema}_${table}', new Map([['shop.public.items', 'catalog-items']]));
    expect(namer.indexFor(ORDERS)).toBe('public_orders');
    expect(namer.indexFor({ ...ORDERS, topic: 'shop.public.items', table: 'items' })).toBe('catalog-items');
    expect(namer.indexFor({ ...ORDERS, schema: 'Sales', table: 'Orders 2024' })).toBe('sales_orders_2024');
    expect(new IndexNamer('${topic}').indexFor(ORDERS)).toBe('shop.public.orders');
  });

  it('report what is wrong with a template or an explicit name', () => {
    expect(templateProblem('${topic}')).toBeUndefined();
    expect(templateProblem('${schema}.${tabel}')).toBe('Unknown variable ${tabel}; use ${topic}, ${prefix}, ${schema}, ${table}');
    expect(templateProblem(' ')).toBe('The index name format may not be empty');
    expect(indexNameProblem('orders-2024')).toBeUndefined();
    expect(indexNameProblem('_orders')).toBe('"_orders" is not a valid index name (OpenSearch\'s rules make it "orders")');
  });
});
