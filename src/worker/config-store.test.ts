import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { ConnectorConfigStore, connectorConfigPath } from './config-store.js';

let directory: string;
let stores = 0;
const freshPath = (): string => connectorConfigPath(join(directory, `data-${++stores}`));

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-configs-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const inventory = { 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'topic.prefix': 'shop' };

describe('ConnectorConfigStore', () => {
  it('starts empty when the file does not exist', async () => {
    const store = await ConnectorConfigStore.open(freshPath());
    expect(await store.list()).toEqual([]);
    expect(await store.get('inventory')).toBeNull();
    expect(await store.targetState('inventory')).toBeNull();
  });

  it('keeps configs and target states across instances', async () => {
    const path = freshPath();
    const first = await ConnectorConfigStore.open(path);
    await first.put('inventory', inventory);
    await first.put('audit', { 'connector.class': 'jsonl' }, 'PAUSED');
    await first.setTargetState('inventory', 'STOPPED');
    await first.close();

    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      connectors: {
        inventory: { config: inventory, targetState: 'STOPPED' },
        audit: { config: { 'connector.class': 'jsonl' }, targetState: 'PAUSED' },
      },
    });
    const second = await ConnectorConfigStore.open(path);
    expect(await second.list()).toEqual(['audit', 'inventory']);
    expect(await second.get('inventory')).toEqual(inventory);
    expect(await second.targetState('inventory')).toBe('STOPPED');
    expect(await second.targetState('audit')).toBe('PAUSED');
  });

  it('starts a new connector STARTED and keeps the target state when its config is replaced', async () => {
    const store = await ConnectorConfigStore.open(freshPath());
    await store.put('inventory', inventory);
    expect(await store.targetState('inventory')).toBe('STARTED');
    await store.setTargetState('inventory', 'PAUSED');
    await store.put('inventory', { ...inventory, 'topic.prefix': 'shop2' }, 'STARTED');
    expect(await store.targetState('inventory')).toBe('PAUSED');
    expect((await store.get('inventory'))?.['topic.prefix']).toBe('shop2');
  });

  it('deletes a connector with its state, durably', async () => {
    const path = freshPath();
    const store = await ConnectorConfigStore.open(path);
    await store.put('inventory', inventory);
    expect(await store.delete('inventory')).toBe(true);
    expect(await store.delete('inventory')).toBe(false);
    expect(await store.targetState('inventory')).toBeNull();
    expect(await (await ConnectorConfigStore.open(path)).list()).toEqual([]);
  });

  it('refuses a target state for a connector that does not exist', async () => {
    const store = await ConnectorConfigStore.open(freshPath());
    await expect(store.setTargetState('nope', 'PAUSED')).rejects.toMatchObject({ code: 'CONNECTOR_NOT_FOUND' });
  });

  it('returns copies of configs', async () => {
    const store = await ConnectorConfigStore.open(freshPath());
    const config = { ...inventory };
    await store.put('inventory', config);
    config['topic.prefix'] = 'changed';
    (await store.get('inventory'))!['topic.prefix'] = 'changed too';
    expect(await store.get('inventory')).toEqual(inventory);
  });

  it('makes every one of many concurrent puts durable before it resolves', async () => {
    const path = freshPath();
    const store = await ConnectorConfigStore.open(path);
    const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
    await Promise.all(
      names.map((name) =>
        store.put(name, { name }).then(async () => {
          const onDisk = JSON.parse(await readFile(path, 'utf8')) as { connectors: Record<string, unknown> };
          expect(onDisk.connectors[name]).toEqual({ config: { name }, targetState: 'STARTED' });
        }),
      ),
    );
    expect(await (await ConnectorConfigStore.open(path)).list()).toEqual([...names].sort());
  });

  it('rejects a corrupt file, naming the file and the fix', async () => {
    const path = join(directory, 'corrupt.json');
    await writeFile(path, JSON.stringify({ connectors: { inventory: { config: inventory, targetState: 'RUNNING' } } }));
    const error = await ConnectorConfigStore.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('"targetState"');
    expect((error as Error).message).toMatch(/register the connectors again/);
  });
});
