/**
 * Regular expressions from config values, matched the way Kafka Connect and Debezium match them:
 * against the whole string (Java's `Matcher.matches()`), never a substring. Debezium's include and
 * exclude lists are also case-insensitive. The syntax is JavaScript's, which agrees with Java's for
 * the patterns such lists hold (`public\..*`, `inventory\.(orders|customers)`).
 */

/** The syntax error of a pattern, or undefined when it compiles. */
export function patternError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A pattern that must match the whole text. Throws SyntaxError for an invalid pattern. */
export function fullMatch(source: string, flags = ''): RegExp {
  // Compiled alone first, so that `a)|(b` cannot pass by pairing with the anchoring group.
  new RegExp(source, flags);
  return new RegExp(`^(?:${source})$`, flags);
}

/** True for a text that any of the patterns matches whole, ignoring case (Debezium's lists). */
export function matchesAnyIgnoringCase(sources: readonly string[]): (text: string) => boolean {
  const patterns = sources.map((source) => fullMatch(source, 'i'));
  return (text) => patterns.some((pattern) => pattern.test(text));
}
