/**
 * Filter (org.apache.kafka.connect.transforms.Filter): drops every record it sees. Useful only with
 * a predicate (`transforms.<alias>.predicate`), which decides the records it sees.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import { plainPlugin, type TransformPlugin } from './transform-plugin.js';

export const FILTER_CLASS = 'org.apache.kafka.connect.transforms.Filter';

export const FILTER_CONFIG: ConfigDefinition = { keys: [] };

export const DROP_ALL: Transform = { apply: () => null };

export const FILTER: TransformPlugin = plainPlugin(FILTER_CLASS, FILTER_CONFIG, () => DROP_ALL);
