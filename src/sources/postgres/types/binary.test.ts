import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('binary');
});

afterAll(async () => {
  await fixture.close();
});

const base64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

describe('bytea', () => {
  const rows = [["'\\x010203'"], ["'\\xfbffbf'"], ["'\\xfb'"], ["''"]];

  it('is bytes, written as base64, by default', async () => {
    const read = await fixture.read({ data: 'bytea' }, rows);
    expect(read.data!.texts[0]).toBe('\\x010203');
    expect(read.data!.values()).toEqual(['AQID', '+/+/', '+w==', '']);
    expect(read.data!.field).toMatchObject({ type: 'bytes', optional: true });
    expect(read.data!.field.name).toBeUndefined();
  });

  it('is a string in the base64, base64-url-safe (padding kept) and hex modes', async () => {
    const asBase64 = await fixture.read({ data: 'bytea' }, rows, { binaryHandlingMode: 'base64' });
    expect(asBase64.data!.values()).toEqual(['AQID', '+/+/', '+w==', '']);
    expect(asBase64.data!.field.type).toBe('string');

    const urlSafe = await fixture.read({ data: 'bytea' }, rows, { binaryHandlingMode: 'base64-url-safe' });
    expect(urlSafe.data!.values()).toEqual(['AQID', '-_-_', '-w==', '']);
    expect(urlSafe.data!.field.type).toBe('string');

    const hex = await fixture.read({ data: 'bytea' }, rows, { binaryHandlingMode: 'hex' });
    expect(hex.data!.values()).toEqual(['010203', 'fbffbf', 'fb', '']);
    expect(hex.data!.field.type).toBe('string');
  });
});

describe('bit strings', () => {
  it('are booleans when one bit long', async () => {
    const read = await fixture.read({ bit: 'bit(1)', varying: 'varbit(1)' }, [
      ["'0'", "'1'"],
      ["'1'", "'0'"],
    ]);
    expect(read.bit!.values()).toEqual([false, true]);
    expect(read.varying!.values()).toEqual([true, false]);
    expect(read.bit!.field.type).toBe('boolean');
    expect(read.varying!.field.type).toBe('boolean');
  });

  // Columns, values and expected bytes of Debezium's own bit-string test (AbstractRecordsProducerTest).
  it('are Bits with the last bit as bit 0 of the first byte, in as few bytes as needed', async () => {
    const read = await fixture.read({ bs: 'bit(2)', bs7: 'bit(7)', bv: 'bit(2)', bv2: 'bit(24)', bvl: 'bit(64)', bvu1: 'varbit', bvu2: 'varbit' }, [
      ["'11'", "'1'::bit(7)", "'00'", "'000000110000001000000001'", `'1${'0'.repeat(63)}'`, "'101'", "'111011010001000110000001000000001'"],
    ]);
    expect(read.bs!.values()).toEqual([base64([3])]);
    expect(read.bs7!.values()).toEqual([base64([64])]);
    expect(read.bv!.values()).toEqual([base64([])]);
    expect(read.bv2!.values()).toEqual([base64([1, 2, 3])]);
    expect(read.bvl!.values()).toEqual([base64([0, 0, 0, 0, 0, 0, 0, 0x80])]);
    expect(read.bvu1!.values()).toEqual([base64([5])]);
    expect(read.bvu2!.values()).toEqual([base64([1, 2, 35, 0xda, 1])]);

    expect(read.bs7!.field).toMatchObject({ type: 'bytes', name: 'io.debezium.data.Bits', version: 1, parameters: { length: '7' } });
    expect(read.bvu1!.field.parameters).toMatchObject({ length: '2147483647' });
  });
});
