import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LoggerRegistry, pinoLevel } from './logger-registry.js';

/** A registry over a root logger at info whose lines are collected, with a clock that counts. */
function setup() {
  const lines: { logger?: string; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  let clock = 1000;
  const root = pino({ level: 'info' }, sink);
  return { root, lines, registry: new LoggerRegistry(root, () => ++clock) };
}

describe('LoggerRegistry', () => {
  it('names each child logger on its lines, and hands out one logger per name', () => {
    const { registry, lines } = setup();
    registry.logger('sluice.rest').info('hello');
    expect(registry.logger('sluice.rest')).toBe(registry.logger('sluice.rest'));
    expect(lines).toEqual([expect.objectContaining({ logger: 'sluice.rest', msg: 'hello' })]);
  });

  it('sets a namespace and the known loggers under it, and loggers made later inherit it', () => {
    const { registry, lines } = setup();
    const worker = registry.logger('sluice.worker.herder');
    const rest = registry.logger('sluice.rest');
    expect(registry.setLevel('sluice.worker', 'debug')).toEqual(['sluice.worker', 'sluice.worker.herder']);
    const later = registry.logger('sluice.worker.runner');
    worker.debug('worker debug');
    later.debug('later debug');
    rest.debug('rest debug');
    expect(lines.map((line) => line.msg)).toEqual(['worker debug', 'later debug']);
    expect(registry.level('sluice.worker.runner')).toEqual({ level: 'DEBUG', last_modified: null });
  });

  it('matches a namespace as a plain prefix, as Connect does', () => {
    const { registry } = setup();
    registry.logger('sluice.worker');
    expect(registry.setLevel('sluice.work', 'warn')).toEqual(['sluice.work', 'sluice.worker']);
  });

  it('sets every known logger and the root for "root", and children made outside the registry follow the root', () => {
    const { registry, root, lines } = setup();
    registry.logger('a');
    const unnamed = root.child({ connector: 'orders' });
    expect(registry.setLevel('ROOT', 'debug')).toEqual(['a', 'root']);
    unnamed.debug('from a connector');
    expect(lines.map((line) => line.msg)).toEqual(['from a connector']);
    expect(registry.level('root')).toEqual({ level: 'DEBUG', last_modified: 1001 });
  });

  it('lists the root and the loggers with a level of their own, sorted, with when they were set', () => {
    const { registry } = setup();
    registry.logger('z.inherits');
    registry.setLevel('m.set', 'error');
    registry.setLevel('b.set', 'silent');
    expect(registry.levels()).toEqual({
      'b.set': { level: 'OFF', last_modified: 1002 },
      'm.set': { level: 'ERROR', last_modified: 1001 },
      root: { level: 'INFO', last_modified: null },
    });
    expect(Object.keys(registry.levels())).toEqual(['b.set', 'm.set', 'root']);
  });

  it('leaves a logger already at the level alone', () => {
    const { registry } = setup();
    registry.logger('a');
    expect(registry.setLevel('a', 'info')).toEqual(['a']);
    expect(registry.level('a')).toEqual({ level: 'INFO', last_modified: null });
    expect(Object.keys(registry.levels())).toEqual(['root']);
  });

  it('knows no logger it has not made or set', () => {
    const { registry } = setup();
    expect(registry.level('nobody')).toBeUndefined();
  });
});

describe('pinoLevel', () => {
  it('maps log4j level names in any case, OFF to silent and ALL to trace', () => {
    expect(['OFF', 'fatal', 'Error', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'ALL'].map(pinoLevel)).toEqual(['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'trace']);
    expect(pinoLevel('LOUD')).toBeUndefined();
    expect(pinoLevel('constructor')).toBeUndefined();
  });
});
