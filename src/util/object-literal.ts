/**
 * Compiles functions that build an object as one object literal, for per-row paths that would
 * otherwise grow objects property by property under names known only at run time. Built that way,
 * an object costs several times more (about five times for a six-column row, measured alone): V8
 * goes through its generic store for every property, and the objects of one table do not share one
 * shape made at once.
 *
 * Names reach the generated code only through `literalKey` and `JSON.stringify`: as JSON string
 * literals, and `__proto__` as a computed key, which defines an own property rather than setting the
 * prototype.
 */

/** `name` as the key of a property in an object literal of generated code. */
export function literalKey(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

/**
 * The function `source` (a function expression) evaluates to, compiled once, seeing `scope`'s
 * entries and globals only.
 */
export function compile<F>(scope: Readonly<Record<string, unknown>>, source: string): F {
  const names = Object.keys(scope);
  return new Function(...names, `return ${source};`)(...names.map((name) => scope[name])) as F;
}
