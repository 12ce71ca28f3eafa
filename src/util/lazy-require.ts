/**
 * Loads a CommonJS package on first use rather than when our module is imported: packages that only
 * some connector configs need (the AWS SDK for an S3 store, OpenSearch's AWS request signer) then
 * cost a worker that does not use them neither memory nor start-up time. The caller takes the type
 * from an `import type` of the same package. Synchronous; throws what `require` throws.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
