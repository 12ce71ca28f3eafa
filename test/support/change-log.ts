/**
 * Reads what the JSON-lines sink wrote and rebuilds tables from it, the way a consumer applying
 * change events in order would: `r`, `c`, `u` put the `after` row (a TOAST placeholder keeps the
 * value the consumer already had), `d` removes the key, a tombstone does nothing, `t` empties.
 */
import { readFileSync, existsSync } from 'node:fs';

export interface LoggedEvent {
  topic: string;
  key: Record<string, unknown> | null;
  value: { op: string; before?: Record<string, unknown> | null; after?: Record<string, unknown> | null; source: Record<string, unknown> } | null;
  headers: Record<string, string>;
}

/** Every complete line of the file; a line cut short by a kill -9 is skipped. */
export function readEvents(file: string): LoggedEvent[] {
  if (!existsSync(file)) return [];
  const events: LoggedEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      events.push(JSON.parse(line) as LoggedEvent);
    } catch {
      // a torn last line of a killed worker: its event is not committed and comes again
    }
  }
  return events;
}

export const PLACEHOLDER = '__debezium_unavailable_value';

/** The rows of one topic after applying its events in order, by JSON of the key. */
export function rebuild(events: LoggedEvent[], topic: string): Map<string, Record<string, unknown>> {
  const rows = new Map<string, Record<string, unknown>>();
  for (const event of events) {
    if (event.topic !== topic || event.value === null) continue;
    const key = JSON.stringify(event.key);
    switch (event.value.op) {
      case 'r':
      case 'c':
      case 'u': {
        const previous = rows.get(key);
        const after = { ...event.value.after };
        for (const [column, value] of Object.entries(after)) {
          if (value === PLACEHOLDER) after[column] = previous?.[column];
        }
        rows.set(key, after);
        break;
      }
      case 'd':
        rows.delete(key);
        break;
      case 't':
        rows.clear();
        break;
    }
  }
  return rows;
}

/** Sorted by key, for comparing with `SELECT ... ORDER BY`. */
export function sortedRows(rows: Map<string, Record<string, unknown>>, keyColumn: string): Array<Record<string, unknown>> {
  return [...rows.values()].sort((a, b) => Number(a[keyColumn]) - Number(b[keyColumn]));
}
