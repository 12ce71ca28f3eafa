/**
 * Validators for config declarations, after Kafka's ConfigDef validators (ValidString, Range,
 * ValidList, NonEmptyStringWithoutControlChars) with their wording, plus the regular-expression
 * checks of Kafka Connect and Debezium. Each is pure; `check` returns the problem or undefined and
 * the caller turns it into `Invalid value <v> for configuration <key>: <problem>`.
 */
import type { Validator } from './config-definition.js';
import { patternError } from './patterns.js';

/** One of a fixed set of strings (Kafka's ValidString; Debezium's enums ignore case). */
export function oneOf(values: readonly string[], options: { ignoreCase?: boolean } = {}): Validator {
  const ignoreCase = options.ignoreCase ?? false;
  const allowed = new Set(ignoreCase ? values.map((v) => v.toLowerCase()) : values);
  const qualifier = ignoreCase ? ' (case insensitive)' : '';
  return {
    describe: `${ignoreCase ? '(case insensitive) ' : ''}[${values.join(', ')}]`,
    recommended: values,
    check: (value) => {
      const text = String(value);
      if (allowed.has(ignoreCase ? text.toLowerCase() : text)) return undefined;
      return `String must be one of${qualifier}: ${values.join(', ')}`;
    },
  };
}

/** A list whose every item is one of a fixed set (Kafka's ValidList). */
export function eachOneOf(values: readonly string[]): Validator {
  const item = oneOf(values);
  return {
    describe: item.describe,
    recommended: values,
    check: (value) => (Array.isArray(value) ? value.map((v: string) => item.check(v)).find((p) => p !== undefined) : undefined),
  };
}

/** A number within bounds (Kafka's Range). */
export function range(bounds: { min?: number; max?: number }): Validator {
  const { min, max } = bounds;
  return {
    describe: `[${[min, '...', max].filter((part) => part !== undefined).join(',')}]`,
    check: (value) => {
      if (typeof value !== 'number') return undefined;
      if (min !== undefined && value < min) return `Value must be at least ${min}`;
      if (max !== undefined && value > max) return `Value must be no more than ${max}`;
      return undefined;
    },
  };
}

export function atLeast(min: number): Validator {
  return range({ min });
}

/** A string matching a pattern; `problem` words the refusal for the rejected value. */
export function matching(pattern: RegExp, describe: string, problem: (value: string) => string): Validator {
  return {
    describe,
    check: (value) => (typeof value === 'string' && !pattern.test(value) ? problem(value) : undefined),
  };
}

/** A non-empty string without control characters (Kafka's NonEmptyStringWithoutControlChars). */
export function nonEmptyString(): Validator {
  return {
    describe: 'non-empty string without ISO control characters',
    check: (value) => {
      const text = String(value);
      if (text === '') return 'String may not be empty';
      const controls = [...text].map((c) => c.codePointAt(0)!).filter((code) => code < 0x20 || (code >= 0x7f && code <= 0x9f));
      return controls.length > 0 ? `String may not contain control sequences but had the following ASCII chars: ${controls.join(', ')}` : undefined;
    },
  };
}

/** A list without repeated items (Kafka's alias validator for `transforms` and `predicates`). */
export function uniqueItems(kind: string): Validator {
  return {
    describe: `unique ${kind} aliases`,
    check: (value) => (Array.isArray(value) && new Set(value).size < value.length ? 'Duplicate alias provided.' : undefined),
  };
}

/** A regular expression (Kafka Connect's RegexValidator, used by `topics.regex`). */
export function regex(): Validator {
  return {
    describe: 'valid regex',
    check: (value) => {
      const error = patternError(String(value));
      return error === undefined ? undefined : `Invalid regex: ${error}`;
    },
  };
}

/** A list of regular expressions (Debezium's isListOfRegex). */
export function regexList(): Validator {
  return {
    describe: 'comma-separated list of regular expressions',
    check: (value) => {
      if (!Array.isArray(value)) return undefined;
      const error = value.map((source: string) => patternError(source)).find((e) => e !== undefined);
      return error === undefined ? undefined : `A comma-separated list of valid regular expressions is expected, but ${error}`;
    },
  };
}
