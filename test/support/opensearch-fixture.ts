/**
 * The OpenSearch test suites' fixture: called at the top of a test file or a describe block, it
 * registers vitest hooks that start a fresh node before each test and close it after, and returns a
 * handle that reads through to the running test's node (using it outside a test throws).
 *
 * - `openSearchForEachTest(fakeOptions)`: an opensearch-target.ts target, the fake (started with
 *   `fakeOptions`) or the OPENSEARCH_URL cluster, with a prefix of its own per test, so its indices
 *   and templates are the test's alone and are deleted after it.
 * - `fakeOpenSearchForEachTest(options)`: always a fake node, for suites that need one;
 *   `restart(options)` replaces it within the test (closed at its end like the first).
 * - `itOnFake(why)` and `describeOnFake(why, ...)` mark tests that need the fake node (its faults,
 *   request log or in-memory state, TLS with the test CA, a port that refuses connections): with
 *   OPENSEARCH_URL set they are skipped (`itOnFake` before any hook runs, `describeOnFake` before
 *   the hooks of its block), and the report says `fake only: why`.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch, type FakeOpenSearchOptions } from './fake-opensearch.js';
import { openSearchTarget, REAL_OPENSEARCH_URL, type OpenSearchTarget } from './opensearch-target.js';

/** Index names of this test process: lower case, as index names must be, and apart from any other run's. */
const RUN = `sluice-test-${process.pid}-${randomBytes(3).toString('hex')}`;
let tests = 0;

export function openSearchForEachTest(fakeOptions: FakeOpenSearchOptions = {}): OpenSearchTarget {
  const node = eachTest(() => openSearchTarget(`${RUN}-${++tests}`, fakeOptions));
  return readThrough(node.current);
}

export type FakeForEachTest = FakeOpenSearch & {
  /** Closes the test's node and starts another with `options`. */
  restart(options: FakeOpenSearchOptions): Promise<void>;
};

export function fakeOpenSearchForEachTest(options: FakeOpenSearchOptions = {}): FakeForEachTest {
  const node = eachTest(() => startFakeOpenSearch(options));
  return readThrough<FakeOpenSearch, FakeForEachTest>(node.current, { restart: (next) => node.replace(() => startFakeOpenSearch(next)) });
}

/** `it` for a test that needs the fake node; see the module comment. */
export function itOnFake(why: string) {
  return it.extend<{ fakeOnly: void }>({
    fakeOnly: [
      async ({ skip }, use) => {
        if (REAL_OPENSEARCH_URL !== undefined) skip(`fake only: ${why}`);
        await use();
      },
      { auto: true },
    ],
  });
}

/** A describe block of tests that need the fake node; see the module comment. */
export function describeOnFake(why: string, name: string, body: () => void): void {
  describe(name, () => {
    beforeEach(({ skip }) => {
      if (REAL_OPENSEARCH_URL !== undefined) skip(`fake only: ${why}`);
    });
    body();
  });
}

/** Registers the hooks that start a node with `start` before each test and close it after. */
function eachTest<T extends { close(): Promise<void> }>(start: () => Promise<T>) {
  let current: T | undefined;
  const close = async () => {
    const closing = current;
    current = undefined;
    await closing?.close();
  };
  beforeEach(async () => {
    current = await start();
  });
  afterEach(close);
  return {
    /** The running test's node; undefined outside a test. */
    current: () => current,
    /** Closes the running test's node and starts the one `next` makes in its place. */
    async replace(next: () => Promise<T>): Promise<void> {
      await close();
      current = await next();
    },
  };
}

/** An object whose properties are `own`'s, or else read from `current()` when used: the running test's node. */
function readThrough<T extends object, R extends T = T>(current: () => T | undefined, own: Partial<R> = {}): R {
  const now = (): T => current() ?? fail();
  return new Proxy({} as R, { get: (_target, key) => (key in own ? Reflect.get(own, key) : Reflect.get(now(), key)) });
}

function fail(): never {
  throw new Error('the OpenSearch node exists only while a test runs (opensearch-fixture.ts starts one per test)');
}
