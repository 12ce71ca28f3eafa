/**
 * RegexRouter (org.apache.kafka.connect.transforms.RegexRouter): renames the topic of a record whose
 * topic matches `regex` as a whole, to `replacement` with Java's group references (`$1`, `${name}`,
 * `\$` for a literal dollar). A record whose topic does not match passes unchanged.
 *
 * The replacement is checked against the regex's groups when the config is validated, so a
 * reference to a group that does not exist is a config problem rather than a failure per record.
 */
import type { ConfigDefinition, ConfigProblem } from '../config/config-definition.js';
import { fullMatch } from '../config/patterns.js';
import { regex } from '../config/validators.js';
import type { Transform } from '../contracts/transform.js';
import { plainPlugin, type TransformPlugin } from './transform-plugin.js';

export const REGEX_ROUTER_CLASS = 'org.apache.kafka.connect.transforms.RegexRouter';

export const REGEX_ROUTER_CONFIG: ConfigDefinition = {
  keys: [
    { name: 'regex', type: 'STRING', importance: 'HIGH', group: 'RegexRouter', validator: regex(), documentation: 'Regular expression to use for matching.' },
    { name: 'replacement', type: 'STRING', importance: 'HIGH', group: 'RegexRouter', documentation: 'Replacement string.' },
  ],
  checks: [
    (values): ConfigProblem[] => {
      const source = values.optionalString('regex');
      const replacement = values.optionalString('replacement');
      if (source === null || replacement === null) return [];
      try {
        compileReplacement(replacement, groupNames(fullMatch(source)));
        return [];
      } catch (error) {
        return [{ key: 'replacement', message: `Replacement ${replacement} does not fit the regex: ${(error as Error).message}` }];
      }
    },
  ],
};

type Part = string | { group: number | string };

/** The groups a pattern defines: how many, and their names. */
function groupNames(pattern: RegExp): { count: number; names: ReadonlySet<string> } {
  const probe = new RegExp(`${pattern.source}|`).exec('')!;
  return { count: probe.length - 1, names: new Set(Object.keys(probe.groups ?? {})) };
}

/** Java's Matcher.appendReplacement syntax, split into literal text and group references. */
function compileReplacement(replacement: string, groups: { count: number; names: ReadonlySet<string> }): Part[] {
  const parts: Part[] = [];
  for (let i = 0; i < replacement.length; ) {
    const c = replacement[i]!;
    if (c === '\\') {
      if (i + 1 >= replacement.length) throw new Error('character to be escaped is missing');
      parts.push(replacement[i + 1]!);
      i += 2;
    } else if (c !== '$') {
      parts.push(c);
      i++;
    } else if (replacement[i + 1] === '{') {
      const end = replacement.indexOf('}', i);
      const name = end < 0 ? '' : replacement.slice(i + 2, end);
      if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new Error("named capturing group is missing trailing '}' or has an invalid name");
      if (!groups.names.has(name)) throw new Error(`No group with name {${name}}`);
      parts.push({ group: name });
      i = end + 1;
    } else {
      const digits = /^\d+/.exec(replacement.slice(i + 1))?.[0];
      if (digits === undefined) throw new Error('Illegal group reference');
      // Java takes further digits only while they still name an existing group.
      let length = 1;
      while (length < digits.length && Number(digits.slice(0, length + 1)) <= groups.count) length++;
      const group = Number(digits.slice(0, length));
      if (group > groups.count) throw new Error(`No group ${group}`);
      parts.push({ group });
      i += 1 + length;
    }
  }
  return parts;
}

export function createRegexRouter(source: string, replacement: string): Transform {
  const pattern = fullMatch(source);
  const parts = compileReplacement(replacement, groupNames(pattern));
  return {
    apply(event) {
      const match = pattern.exec(event.topic);
      if (match === null) return event;
      const text = (part: Part) => (typeof part === 'string' ? part : ((typeof part.group === 'number' ? match[part.group] : match.groups?.[part.group]) ?? ''));
      return { ...event, topic: parts.map(text).join('') };
    },
  };
}

export const REGEX_ROUTER: TransformPlugin = plainPlugin(REGEX_ROUTER_CLASS, REGEX_ROUTER_CONFIG, (values) =>
  createRegexRouter(values.string('regex'), values.string('replacement')),
);
