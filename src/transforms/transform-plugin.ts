/**
 * What the worker knows about a transform or predicate class: the names a config may give in
 * `transforms.<alias>.type` / `predicates.<alias>.type`, its config declaration (for validation and
 * the REST API's connector-plugins), and a factory that makes an instance from parsed values.
 *
 * Factories run when a connector starts. They may throw a ConfigError for a combination of values
 * the declaration cannot express; `warn` receives deprecation notices the chain logs once.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import type { ConfigValues } from '../config/config-values.js';
import type { Transform } from '../contracts/transform.js';
import type { ChangeEvent } from '../events.js';
import { KEY_SIDE, VALUE_SIDE, type RecordSide } from './record-side.js';

export type Warn = (message: string) => void;

export interface TransformPlugin {
  readonly className: string;
  /** Other class names configs use for the same transform. */
  readonly aliases: readonly string[];
  readonly definition: ConfigDefinition;
  create(values: ConfigValues, warn: Warn): Transform;
}

/** A condition on a record (Kafka's Predicate): pure, synchronous, may throw for a record it cannot judge. */
export interface Predicate {
  test(event: ChangeEvent): boolean;
}

export interface PredicatePlugin {
  readonly className: string;
  readonly definition: ConfigDefinition;
  create(values: ConfigValues): Predicate;
}

/** The `$Key` and `$Value` classes of a transform that works on either part of a record. */
export function keyAndValuePlugins(
  baseClass: string,
  definition: ConfigDefinition,
  create: (values: ConfigValues, side: RecordSide) => Transform,
): TransformPlugin[] {
  return [KEY_SIDE, VALUE_SIDE].map((side) => ({
    className: `${baseClass}$${side.name}`,
    aliases: [],
    definition,
    create: (values) => create(values, side),
  }));
}

/** A plugin with one class name and no deprecations to report. */
export function plainPlugin(className: string, definition: ConfigDefinition, create: (values: ConfigValues) => Transform): TransformPlugin {
  return { className, aliases: [], definition, create: (values) => create(values) };
}
