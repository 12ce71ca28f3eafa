import { gunzipSync } from 'node:zlib';
import { decompress, init } from '@bokuweb/zstd-wasm';
import { snappyUncompress } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { parquetCompression } from './parquet-codecs.js';

const page = Buffer.from('a page of column values, '.repeat(200));

describe('parquetCompression', () => {
  it('compresses snappy pages natively, in the raw block format another decoder reads back, the same each time', async () => {
    const { codec, compressors } = await parquetCompression('snappy');
    expect(codec).toBe('SNAPPY');
    const compressed = compressors.SNAPPY!(page);
    expect(compressed.length).toBeLessThan(page.length / 10);
    // hyparquet's reader: JavaScript, written apart from the native library.
    const restored = new Uint8Array(page.length);
    snappyUncompress(compressed, restored);
    expect(Buffer.from(restored).equals(page)).toBe(true);
    expect(Buffer.from(compressors.SNAPPY!(page)).equals(Buffer.from(compressed))).toBe(true);
    expect(await parquetCompression('none')).toEqual({ codec: 'UNCOMPRESSED', compressors: {} });
  });

  it('compresses gzip pages that gunzip back, smaller and the same each time', async () => {
    const { codec, compressors } = await parquetCompression('gzip');
    expect(codec).toBe('GZIP');
    const compressed = compressors.GZIP!(page);
    expect(compressed.length).toBeLessThan(page.length / 10);
    expect(gunzipSync(compressed).equals(page)).toBe(true);
    expect(Buffer.from(compressors.GZIP!(page)).equals(compressed)).toBe(true);
  });

  it('compresses zstd pages (zstd frames) that decompress back, even when asked for by several files at once', async () => {
    const [first, second] = await Promise.all([parquetCompression('zstd'), parquetCompression('zstd')]);
    expect(first.codec).toBe('ZSTD');
    const compressed = first.compressors.ZSTD!(page);
    expect(Buffer.from(compressed.subarray(0, 4)).toString('hex')).toBe('28b52ffd'); // the zstd frame magic
    await init();
    expect(Buffer.from(decompress(compressed)).equals(page)).toBe(true);
    expect(Buffer.from(second.compressors.ZSTD!(page)).equals(Buffer.from(compressed))).toBe(true);
  });

  it('refuses another codec naming parquet.codec and its choices', async () => {
    await expect(parquetCompression('lz4')).rejects.toThrow(ConfigError);
    await expect(parquetCompression('lz4')).rejects.toThrow('parquet.codec "lz4" is not a codec this sink writes; set parquet.codec to one of snappy, gzip, zstd, none.');
  });
});
