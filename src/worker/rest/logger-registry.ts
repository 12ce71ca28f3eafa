/**
 * Named loggers whose levels can be changed at run time, behind Kafka Connect's `/admin/loggers`
 * (Connect's `Loggers` over log4j, here over pino).
 *
 * The registry holds the worker's root pino logger and the named children handed out by
 * `logger(name)` (each writes its name as `logger` on every line). Names form log4j's dotted
 * hierarchy: a logger without a level of its own takes the nearest ancestor's, else the root's.
 * Levels are log4j's names (OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL) mapped to pino's;
 * ALL is pino's lowest, TRACE, and is reported as such.
 *
 * `setLevel(namespace, level)` does what Connect's does: it sets the level on every known logger
 * whose name starts with `namespace` (plain prefix, as Connect matches), plus the namespace itself,
 * which becomes known; for `root` it sets every known logger and the root. A logger already at
 * that level is left alone (its `last_modified` unchanged). It returns the affected names, sorted.
 * Children made from the root logger outside the registry follow the root's level.
 *
 * Synchronous and in-memory: levels last until the process exits, as in Connect.
 */
import type { Level, Logger } from 'pino';

export const ROOT_LOGGER = 'root';

/** Connect's LoggerLevel entity. */
export interface LoggerLevel {
  level: string;
  last_modified: number | null;
}

type PinoLevel = Level | 'silent';

const FROM_LOG4J: Readonly<Record<string, PinoLevel>> = {
  OFF: 'silent',
  FATAL: 'fatal',
  ERROR: 'error',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'trace',
  ALL: 'trace',
};

/** The pino level for a log4j level name in any case, or undefined when it names none. */
export function pinoLevel(log4jLevel: string): PinoLevel | undefined {
  return Object.hasOwn(FROM_LOG4J, log4jLevel.toUpperCase()) ? FROM_LOG4J[log4jLevel.toUpperCase()] : undefined;
}

function log4jLevel(level: string): string {
  return level === 'silent' ? 'OFF' : level.toUpperCase();
}

interface SetLevel {
  level: PinoLevel;
  lastModified: number;
}

export class LoggerRegistry {
  private readonly named = new Map<string, Logger>();
  private readonly explicit = new Map<string, SetLevel>();
  private rootLastModified: number | null = null;

  constructor(
    readonly root: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The logger of that name, made on first use with the level its place in the hierarchy gives it. */
  logger(name: string): Logger {
    let logger = this.named.get(name);
    if (logger === undefined) {
      logger = this.root.child({ logger: name });
      this.named.set(name, logger);
      this.apply(name, logger);
    }
    return logger;
  }

  /** The root and every logger with a level of its own, by name in sorted order (Connect's GET /admin/loggers). */
  levels(): Record<string, LoggerLevel> {
    const entries: [string, LoggerLevel][] = [...this.explicit].map(([name, set]) => [name, { level: log4jLevel(set.level), last_modified: set.lastModified }]);
    entries.push([ROOT_LOGGER, this.rootLevel()]);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** A known logger's level (its own, else the one it inherits); undefined for an unknown name. */
  level(name: string): LoggerLevel | undefined {
    if (name.toLowerCase() === ROOT_LOGGER) return this.rootLevel();
    if (!this.known().has(name)) return undefined;
    return { level: log4jLevel(this.effective(name)), last_modified: this.explicit.get(name)?.lastModified ?? null };
  }

  /** Sets `namespace` and the known loggers under it (see the module comment); returns their names, sorted. */
  setLevel(namespace: string, level: PinoLevel): string[] {
    const isRoot = namespace.toLowerCase() === ROOT_LOGGER;
    const targets = [...this.known()].filter((name) => isRoot || name.startsWith(namespace));
    if (!isRoot && !targets.includes(namespace)) targets.push(namespace);
    const time = this.now();
    for (const name of targets) {
      if (this.effective(name) !== level) this.explicit.set(name, { level, lastModified: time });
    }
    if (isRoot && this.root.level !== level) {
      this.root.level = level;
      this.rootLastModified = time;
    }
    for (const [name, logger] of this.named) this.apply(name, logger);
    return [...targets, ...(isRoot ? [ROOT_LOGGER] : [])].sort();
  }

  private rootLevel(): LoggerLevel {
    return { level: log4jLevel(this.root.level), last_modified: this.rootLastModified };
  }

  private known(): Set<string> {
    return new Set([...this.named.keys(), ...this.explicit.keys()]);
  }

  /** The nearest level set on the name or a dotted ancestor, else undefined (the root's applies). */
  private inherited(name: string): PinoLevel | undefined {
    for (let current = name; ; current = current.slice(0, current.lastIndexOf('.'))) {
      const set = this.explicit.get(current);
      if (set !== undefined) return set.level;
      if (!current.includes('.')) return undefined;
    }
  }

  private effective(name: string): string {
    return this.inherited(name) ?? this.root.level;
  }

  // A logger with nothing set in its hierarchy keeps no level of its own, so that it follows the root's.
  private apply(name: string, logger: Logger): void {
    const level = this.inherited(name);
    if (level !== undefined) logger.level = level;
  }
}
