/**
 * The markdown config reference of a plugin, generated from its definition so that the docs never
 * drift from the code: one section per group (in declaration order), one table row per key with
 * its type, default, valid values, importance and documentation, and its deprecated aliases.
 */
import type { ConfigDefinition, ConfigKey } from './config-definition.js';
import { formatValue } from './value-parsing.js';

export function renderConfigReference(definition: ConfigDefinition): string {
  const groups = [...new Set(definition.keys.map((key) => key.group))];
  return groups
    .map((group) => {
      const rows = definition.keys.filter((key) => key.group === group).map(row);
      return [`### ${group}`, '', '| Key | Type | Default | Valid values | Importance | Description |', '|---|---|---|---|---|---|', ...rows].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

function row(key: ConfigKey): string {
  const aliases = (key.aliases ?? []).map((alias) => {
    const named = alias.origin === undefined ? `Deprecated alias: \`${alias.name}\`.` : `Also read as \`${alias.name}\` (${alias.origin}'s name).`;
    return ` ${named}${alias.note === undefined ? '' : ` ${alias.note}`}`;
  });
  const cells = [
    `\`${key.name}\``,
    key.type,
    defaultCell(key),
    key.validator?.describe ?? '',
    key.importance,
    key.documentation + aliases.join(''),
  ];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function defaultCell(key: ConfigKey): string {
  if (key.default === undefined) return '*required*';
  const text = formatValue(key.type, key.default);
  return text === null ? 'null' : `\`${text === '' ? '""' : text}\``;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}
