/**
 * The compression codecs of `parquet.codec` as hyparquet-writer takes them: the codec to name in
 * the file and the compressor functions that produce its pages.
 *
 * - `snappy` (the default): the `snappy` package's native compressor (Google's Snappy, through
 *   napi-rs, some five times faster than JavaScript here), or hyparquet-writer's built-in one where
 *   no build of it loads on this platform. Both write the raw block format Parquet's SNAPPY means.
 * - `gzip`: node:zlib's gzipSync (gzip framing, which the Parquet GZIP codec means).
 * - `zstd`: node:zlib's zstdCompressSync where this Node has it (22.15 and later), else the
 *   @bokuweb/zstd-wasm build of libzstd, whose module is loaded and initialised once, on first use.
 *   Level 3 either way, zstd's default.
 * - `none`: pages stored uncompressed.
 *
 * `parquetCompression` is called when a file is opened; it may wait for the snappy or zstd module
 * once per process and never otherwise. The compressors are synchronous, pure and deterministic: the same
 * page gives the same bytes, so the same rows give the same file.
 */
import * as zlib from 'node:zlib';
import type { ParquetWriteOptions } from 'hyparquet-writer';
import { ConfigError } from '../../errors.js';

export type ParquetCodecName = 'snappy' | 'gzip' | 'zstd' | 'none';

export const PARQUET_CODECS: readonly ParquetCodecName[] = ['snappy', 'gzip', 'zstd', 'none'];

type CompressionCodec = NonNullable<ParquetWriteOptions['codec']>;
type Compressors = NonNullable<ParquetWriteOptions['compressors']>;
type Compressor = (input: Uint8Array) => Uint8Array;

/** What a ParquetWriter needs to write pages with one codec. */
export interface ParquetCompression {
  readonly codec: CompressionCodec;
  readonly compressors: Compressors;
}

const ZSTD_LEVEL = 3;

export async function parquetCompression(name: string): Promise<ParquetCompression> {
  switch (name) {
    case 'snappy':
      return { codec: 'SNAPPY', compressors: await snappyCompressors() };
    case 'gzip':
      return { codec: 'GZIP', compressors: { GZIP: (input) => zlib.gzipSync(input) } };
    case 'zstd':
      return { codec: 'ZSTD', compressors: { ZSTD: await zstdCompressor() } };
    case 'none':
      return { codec: 'UNCOMPRESSED', compressors: {} };
    default:
      throw new ConfigError(`parquet.codec "${name}" is not a codec this sink writes; set parquet.codec to one of ${PARQUET_CODECS.join(', ')}.`);
  }
}

let nativeSnappy: Promise<Compressors> | undefined;

function snappyCompressors(): Promise<Compressors> {
  nativeSnappy ??= import('snappy').then(
    ({ compressSync }) => ({ SNAPPY: (input: Uint8Array) => compressSync(input) }),
    // No build for this platform: hyparquet-writer's own compressor, which an empty set leaves in place.
    () => ({}),
  );
  return nativeSnappy;
}

let wasmZstd: Promise<Compressor> | undefined;

function zstdCompressor(): Promise<Compressor> {
  // Node 20's zlib has no zstd; the property appears (untyped for @types/node 20) in later releases.
  // Its default level is zstd's default, 3.
  const native = (zlib as unknown as { zstdCompressSync?: Compressor }).zstdCompressSync;
  if (native) return Promise.resolve((input) => native(input));
  wasmZstd ??= loadWasmZstd();
  return wasmZstd;
}

async function loadWasmZstd(): Promise<Compressor> {
  try {
    const zstd = await import('@bokuweb/zstd-wasm');
    await zstd.init();
    return (input) => zstd.compress(input, ZSTD_LEVEL);
  } catch (error) {
    // A failed load is not remembered, so a later file may try again.
    wasmZstd = undefined;
    throw error;
  }
}
