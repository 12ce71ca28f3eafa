import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { openObjectStore, type ObjectStoreSettings } from './object-store.js';

const logger = pino({ level: 'silent' });
const s3: ObjectStoreSettings = { url: null, bucket: 'lake', region: 'eu-west-1', pathStyle: false, accessKeyId: null, secretAccessKey: null, partSize: 5 * 1024 * 1024 };

function configError(settings: ObjectStoreSettings): string {
  try {
    openObjectStore(settings, logger).close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('openObjectStore', () => {
  it('chooses the store from store.url', () => {
    const stores = [
      openObjectStore(s3, logger),
      openObjectStore({ ...s3, url: 'http://minio:9000', pathStyle: true, accessKeyId: 'k', secretAccessKey: 's' }, logger),
      openObjectStore({ ...s3, url: 'file:///var/lib/sluice/lake', bucket: null }, logger),
    ];
    expect(stores.map((store) => store.describe())).toEqual(['s3://lake at AWS S3 (region eu-west-1)', 's3://lake at http://minio:9000', 'directory /var/lib/sluice/lake']);
    for (const store of stores) store.close();
  });

  it('refuses settings that cannot work, naming the key to fix', () => {
    expect(configError({ ...s3, url: 'ftp://host/dir' })).toContain('fix store.url');
    expect(configError({ ...s3, url: 'file://remote-host/dir' })).toContain('file:///absolute/path');
    expect(configError({ ...s3, bucket: null })).toContain('set s3.bucket.name');
    expect(configError({ ...s3, accessKeyId: 'only-the-id' })).toContain('set both');
  });
});
