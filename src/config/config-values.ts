/**
 * The typed values of one parsed config (Kafka's AbstractConfig): every declared key has a value,
 * its default when the user gave none. Immutable.
 *
 * The getters are for code that reads its own declarations: asking for an undeclared key, or for a
 * type the key does not have, is a programming error and throws a plain Error. `string()` and
 * friends also throw on null; use the `optional*` getters for keys whose default is null.
 */
import type { ConfigValue } from './config-definition.js';

export class ConfigValues {
  constructor(
    private readonly values: ReadonlyMap<string, ConfigValue>,
    private readonly supplied: ReadonlySet<string>,
  ) {}

  /** True when the user gave the key (or a deprecated alias of it) a non-blank value. */
  isSet(name: string): boolean {
    this.get(name);
    return this.supplied.has(name);
  }

  get(name: string): ConfigValue {
    const value = this.values.get(name);
    if (value === undefined) throw new Error(`config key "${name}" is not declared`);
    return value;
  }

  string(name: string): string {
    return required(name, this.optionalString(name));
  }

  optionalString(name: string): string | null {
    return typed(name, this.get(name), 'string', (v): v is string => typeof v === 'string');
  }

  number(name: string): number {
    return required(name, this.optionalNumber(name));
  }

  optionalNumber(name: string): number | null {
    return typed(name, this.get(name), 'number', (v): v is number => typeof v === 'number');
  }

  boolean(name: string): boolean {
    return required(name, typed(name, this.get(name), 'boolean', (v): v is boolean => typeof v === 'boolean'));
  }

  list(name: string): readonly string[] {
    return required(name, this.optionalList(name));
  }

  optionalList(name: string): readonly string[] | null {
    return typed(name, this.get(name), 'list', (v): v is readonly string[] => Array.isArray(v));
  }
}

function typed<T>(name: string, value: ConfigValue, kind: string, is: (v: ConfigValue) => v is T & ConfigValue): T | null {
  if (value === null) return null;
  if (!is(value)) throw new Error(`config key "${name}" is not a ${kind}`);
  return value;
}

function required<T>(name: string, value: T | null): T {
  if (value === null) throw new Error(`config key "${name}" has no value`);
  return value;
}
