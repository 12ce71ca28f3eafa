/**
 * Session settings for every connection the Postgres source opens, snapshot and replication alike.
 * pgoutput and SELECT both print values with the session's output functions, so fixing these makes
 * the text of a value the same on both paths and independent of the server's postgresql.conf.
 * The type converters (./types) parse exactly these formats.
 */
export const SESSION_SETTINGS: Readonly<Record<string, string>> = {
  DateStyle: 'ISO',
  TimeZone: 'UTC',
  IntervalStyle: 'iso_8601',
  bytea_output: 'hex',
  extra_float_digits: '1',
  client_encoding: 'UTF8',
};

/** The libpq `options` startup parameter that applies SESSION_SETTINGS. */
export function sessionOptions(): string {
  return Object.entries(SESSION_SETTINGS)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}
