/**
 * Keeping secrets out of what Sluice shows: logs, REST answers, error messages and task traces.
 *
 * - `maskSecrets` is for showing a config: every key declared PASSWORD (or a deprecated alias of
 *   one) shows Connect's placeholder `[hidden]` instead of its value, as Connect's logged configs and
 *   validate answers do.
 * - `redactResolved` is for text a failure produced after the secrets were handed out: a driver's
 *   error may quote a connection string or a login attempt. It replaces each secret with `[hidden]`,
 *   also in its URL-encoded and JSON-escaped spellings, in one pass (so a short secret cannot match
 *   inside the placeholder of a longer one). The secrets are those `ConfigProviders.resolveWithSecrets`
 *   substituted plus `passwordValues` of the resolved config.
 *
 * Pure functions; nothing here stores a value.
 */
import type { ConfigDefinition } from './config-definition.js';

/** Kafka Connect's placeholder for a hidden value (Password.HIDDEN). */
export const HIDDEN = '[hidden]';

/**
 * The config with the value of every PASSWORD-typed key replaced by `[hidden]`; other keys unchanged.
 * A value that is only a config provider reference (`${file:/secrets.properties:password}`) is no
 * secret and stays visible, so a config read back can be written again as it is.
 */
export function maskSecrets(config: Readonly<Record<string, string>>, definition: ConfigDefinition): Record<string, string> {
  const passwords = passwordKeys(definition);
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, passwords.has(key) && !PROVIDER_REFERENCE.test(value) ? HIDDEN : value]));
}

const PROVIDER_REFERENCE = /^\$\{[^}]*\}$/;

/** The non-empty values of PASSWORD-typed keys, for `redactResolved`. Pass the resolved config. */
export function passwordValues(config: Readonly<Record<string, string>>, definition: ConfigDefinition): string[] {
  const passwords = passwordKeys(definition);
  return Object.entries(config).filter(([key, value]) => passwords.has(key) && value !== '').map(([, value]) => value);
}

/** `text` with every occurrence of each secret (raw, URL-encoded or JSON-escaped) replaced by `[hidden]`. */
export function redactResolved(text: string, resolvedValues: Iterable<string>): string {
  const spellings = new Set<string>();
  for (const value of resolvedValues) {
    if (value === '') continue;
    spellings.add(value);
    spellings.add(encodeURIComponent(value));
    spellings.add(JSON.stringify(value).slice(1, -1));
  }
  if (spellings.size === 0) return text;
  // Longest first, so a secret that contains another is hidden whole.
  const alternatives = [...spellings].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return text.replace(new RegExp(alternatives.join('|'), 'g'), HIDDEN);
}

function passwordKeys(definition: ConfigDefinition): Set<string> {
  return new Set(
    definition.keys
      .filter((key) => key.type === 'PASSWORD')
      .flatMap((key) => [key.name, ...(key.aliases ?? []).map((alias) => alias.name)]),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
