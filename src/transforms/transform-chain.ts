/**
 * A connector's transforms as one Transform (Kafka Connect's TransformationChain): built once when
 * the connector starts from its config (`transforms`, `transforms.<alias>.*`, `predicates`, ...),
 * then `apply` runs every stage in order, synchronously, and stops at the first that drops the
 * record (returns null). A stage with a predicate transforms only the records the predicate
 * accepts (rejects, with `negate=true`) and passes the others on unchanged.
 *
 * A stage that throws is handled by the connector's `errors.tolerance`: `none` (the default)
 * rethrows a permanent SluiceError with stage 'transform' naming the transform, its class and the
 * record's topic and key; `all` skips the record (apply returns null), counts it in `skipped`, and
 * logs it when `errors.log.enable=true` (with the record's key, value and headers when
 * `errors.log.include.messages=true`). Building refuses a config it cannot run with one ConfigError.
 */
import type { Logger } from 'pino';
import type { Transform } from '../contracts/transform.js';
import { ConfigError, SluiceError } from '../errors.js';
import type { ChangeEvent } from '../events.js';
import { toJson } from '../json.js';
import type { Predicate } from './transform-plugin.js';
import { readTransformStages, type TransformsConfig } from './transforms-config.js';

export interface TransformChainOptions {
  logger: Logger;
}

/** One configured transform with its optional predicate. */
export interface TransformStage {
  readonly alias: string;
  readonly className: string;
  apply(event: ChangeEvent): ChangeEvent | null;
}

function transformStage(alias: string, className: string, transform: Transform, predicate: Predicate | null = null, negate = false): TransformStage {
  return {
    alias,
    className,
    apply: (event) => (predicate === null || predicate.test(event) !== negate ? transform.apply(event) : event),
  };
}

export type ErrorHandling = Pick<TransformsConfig, 'tolerance' | 'logErrors' | 'logMessages'>;

export class TransformChain implements Transform {
  private skippedRecords = 0;

  constructor(
    readonly stages: readonly TransformStage[],
    private readonly errors: ErrorHandling,
    private readonly logger: Logger,
  ) {}

  /** Records skipped because a stage failed on them while `errors.tolerance=all`. */
  get skipped(): number {
    return this.skippedRecords;
  }

  apply(event: ChangeEvent): ChangeEvent | null {
    let current = event;
    for (const stage of this.stages) {
      let next: ChangeEvent | null;
      try {
        next = stage.apply(current);
      } catch (error) {
        return this.failed(stage, current, error);
      }
      if (next === null) return null;
      current = next;
    }
    return current;
  }

  private failed(stage: TransformStage, record: ChangeEvent, error: unknown): null {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.errors.tolerance === 'none') {
      throw new SluiceError(
        'TRANSFORM_FAILED',
        `Transform "${stage.alias}" (${stage.className}) failed on the record of topic "${record.topic}" with key ${toJson(record.key)}: ${reason}. ` +
          `Fix the transform's configuration (transforms.${stage.alias}.*), or set errors.tolerance=all to skip records it cannot transform.`,
        { stage: 'transform', cause: error },
      );
    }
    this.skippedRecords++;
    if (this.errors.logErrors) {
      const details = this.errors.logMessages ? { record: { topic: record.topic, key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp } } : {};
      this.logger.error(
        { transform: stage.alias, class: stage.className, topic: record.topic, err: error, ...details },
        `Error encountered executing stage 'TRANSFORMATION' with class '${stage.className}' (transform "${stage.alias}") on a record of topic "${record.topic}"; skipped it as errors.tolerance=all`,
      );
    }
    return null;
  }
}

/** The chain a connector config asks for; throws a ConfigError for a config it cannot run, logs deprecations. */
export function buildTransformChain(config: Record<string, string>, options: TransformChainOptions): TransformChain {
  const { logger } = options;
  const settings = readTransformStages(config);
  for (const warning of settings.warnings) logger.warn({ key: warning.key }, warning.message);
  const stages = settings.stages.map(({ alias, plugin, values, predicate, negate }) => {
    const start = <T>(what: string, make: () => T): T => {
      try {
        return make();
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new ConfigError(`Transform "${alias}" (${plugin.className}) cannot start: ${what}: ${(error as Error).message}`, { cause: error });
      }
    };
    const transform = start('its configuration', () => plugin.create(values, (message) => logger.warn({ transform: alias }, message)));
    const test = predicate === null ? null : start(`predicate "${predicate.alias}"`, () => predicate.plugin.create(predicate.values));
    return transformStage(alias, plugin.className, transform, test, negate);
  });
  return new TransformChain(stages, settings, logger);
}
