/**
 * Composable index templates (`_index_template`) of the fake OpenSearch node: kept by name, and
 * chosen for an index being created, by a create-index request or by its first write. No I/O and
 * nothing blocks; every refusal is thrown as the OpenSearchError a node answers with.
 *
 * As OpenSearch 2.x: a template has `index_patterns` (`*` matches any characters), a `priority`
 * (default 0) and a `template` of `settings`, `mappings` and `aliases`. A new index gets the one
 * template of highest priority among those whose patterns match its name; a create request's own
 * settings and mappings override the template's (fake-opensearch-mapping.ts `mergeMappings`).
 * Putting a template whose patterns overlap another's at the same priority is refused; putting or
 * deleting a template never changes an index that exists. `_simulate_index` answers what a new
 * index would get, as OpenSearch renders it. Not modelled (refused, naming the limit): component
 * templates (`composed_of`), data streams, a template to simulate with in the request's body;
 * aliases are kept but not applied; legacy `_template`s do not exist here, so none overlaps.
 */
import { checkMappings, renderedMappings } from './fake-opensearch-mapping.js';
import { badRequest, globMatches, indexSettings, isObject, OpenSearchError, type Mappings, type Source } from './fake-opensearch-protocol.js';

export type IndexTemplate = { index_patterns: string[]; priority: number; template: { settings: Source; mappings: Mappings; aliases: Source }; version?: number; _meta?: Source };

const TEMPLATE_KEYS = new Set(['index_patterns', 'template', 'priority', 'version', '_meta', 'composed_of', 'data_stream']);
const TEMPLATE_PARTS = new Set(['settings', 'mappings', 'aliases']);

export class IndexTemplates {
  private readonly byName = new Map<string, IndexTemplate>();

  /** `PUT _index_template/<name>` (`create`: only if there is none of that name). */
  put(name: string, body: unknown, create: boolean): void {
    if (create && this.byName.has(name)) throw badRequest('illegal_argument_exception', `index template [${name}] already exists`);
    if (!isObject(body)) throw badRequest('parse_exception', 'request body is required');
    const unknown = Object.keys(body).find((key) => !TEMPLATE_KEYS.has(key));
    if (unknown !== undefined) throw badRequest('x_content_parse_exception', `[1:2] [index_template] unknown field [${unknown}]`);
    if (Array.isArray(body.composed_of) && body.composed_of.length > 0) throw badRequest('illegal_argument_exception', '[fake-opensearch] component templates (composed_of) are not modelled');
    if (body.data_stream !== undefined) throw badRequest('illegal_argument_exception', '[fake-opensearch] data streams are not modelled');
    const patterns = typeof body.index_patterns === 'string' ? [body.index_patterns] : body.index_patterns;
    if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p) => typeof p === 'string')) {
      throw badRequest('action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
    }
    const priority = body.priority ?? 0;
    if (!Number.isInteger(priority) || (priority as number) < 0) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: priority must be a non-negative integer;');
    const part = body.template ?? {};
    if (!isObject(part)) throw badRequest('x_content_parse_exception', '[1:2] [index_template] template doesn\'t support values of type: VALUE_STRING');
    const unknownPart = Object.keys(part).find((key) => !TEMPLATE_PARTS.has(key));
    if (unknownPart !== undefined) throw badRequest('x_content_parse_exception', `[1:2] [template] unknown field [${unknownPart}]`);
    let template: IndexTemplate['template'];
    try {
      template = { settings: indexSettings(part.settings), mappings: checkMappings(part.mappings), aliases: isObject(part.aliases) ? part.aliases : {} };
    } catch (e) {
      if (!(e instanceof OpenSearchError)) throw e;
      throw new OpenSearchError(400, 'illegal_argument_exception', `composable template [${name}] template after composition is invalid`, {}, e.detail());
    }
    this.checkOverlap(name, patterns as string[], priority as number);
    this.byName.set(name, { ...(body as Source), index_patterns: patterns as string[], priority: priority as number, template });
  }

  /**
   * `GET _index_template[/<name>]`: every template, the named one (404 when missing), or those a
   * `*` pattern matches (maybe none: the node then answers the empty list with 404).
   */
  get(name: string | undefined): { index_templates: Source[] } {
    const named = [...this.byName].filter(([templateName]) => name === undefined || globMatches(name, templateName));
    if (name !== undefined && !name.includes('*') && named.length === 0) throw new OpenSearchError(404, 'resource_not_found_exception', `index template matching [${name}] not found`);
    return { index_templates: named.map(([templateName, template]) => ({ name: templateName, index_template: structuredClone(template) })) };
  }

  delete(name: string): void {
    if (!this.byName.delete(name)) throw new OpenSearchError(404, 'index_template_missing_exception', `index_template [${name}] missing`);
  }

  /** The template a new index named `index` is created from, if any. */
  forIndex(index: string): IndexTemplate | undefined {
    return this.chosenFor(index)?.[1];
  }

  /**
   * `POST _index_template/_simulate_index/<index>`: `{}` when no template matches; else the chosen
   * template's settings (nested, values as strings), mappings (left out when it maps nothing) and
   * aliases, and as `overlapping` every other template whose patterns overlap the chosen one's, at
   * any priority, whether or not they match the index.
   */
  simulateIndex(index: string, body: string): Source {
    if (body.trim() !== '') throw badRequest('illegal_argument_exception', '[fake-opensearch] a template to simulate with in the request body is not modelled');
    const chosen = this.chosenFor(index);
    if (chosen === undefined) return {};
    const [name, { index_patterns: patterns, template }] = chosen;
    const overlapping = [...this.byName]
      .filter(([other, t]) => other !== name && patterns.some((a) => t.index_patterns.some((b) => globsOverlap(a, b))))
      .map(([other, t]) => ({ name: other, index_patterns: [...t.index_patterns] }));
    const { settings, aliases } = structuredClone(template);
    const mappings = renderedMappings(template.mappings);
    return { template: { settings: nestedSettings(settings), ...(Object.keys(mappings).length > 0 && { mappings }), aliases }, overlapping };
  }

  private chosenFor(index: string): [string, IndexTemplate] | undefined {
    let chosen: [string, IndexTemplate] | undefined;
    for (const [name, template] of this.byName) {
      if (template.index_patterns.some((pattern) => globMatches(pattern, index)) && (chosen === undefined || template.priority > chosen[1].priority)) chosen = [name, template];
    }
    return chosen;
  }

  private checkOverlap(name: string, patterns: string[], priority: number): void {
    for (const [other, template] of this.byName) {
      if (other === name || template.priority !== priority) continue;
      if (!patterns.some((a) => template.index_patterns.some((b) => globsOverlap(a, b)))) continue;
      throw badRequest(
        'illegal_argument_exception',
        `index template [${name}] has index patterns [${patterns.join(', ')}] matching patterns from existing templates [${other}] with patterns (${other} => [${template.index_patterns.join(', ')}]) that have the same priority [${priority}], multiple index templates may not match during index creation, please use a different priority`,
      );
    }
  }
}

/** Flat settings (`index.gc_deletes`) as OpenSearch renders them: nested objects of strings. */
function nestedSettings(flat: Source): Source {
  const nested: Source = {};
  for (const [key, value] of Object.entries(flat)) {
    const path = key.split('.');
    let at = nested;
    for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Source;
    at[path.at(-1)!] = String(value);
  }
  return nested;
}

/** Whether some name matches both `*`-patterns. */
function globsOverlap(a: string, b: string): boolean {
  const seen = new Map<string, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    let result = seen.get(key);
    if (result !== undefined) return result;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '*') result = from(i + 1, j) || (j < b.length && from(i, j + 1));
    else if (b[j] === '*') result = from(i, j + 1) || (i < a.length && from(i + 1, j));
    else result = i < a.length && j < b.length && a[i] === b[j] && from(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return from(0, 0);
}
