/**
 * Which topics a sink connector consumes, from Kafka Connect's sink keys (declared in
 * config/connector-common.ts): `topics`, a comma-separated list of names, or `topics.regex`, a
 * pattern that must match the whole topic name. Exactly one of the two is required; otherwise this
 * throws a ConfigError with Kafka Connect's message. Called when a sink connector starts, with
 * values that passed validation (so `topics.regex` compiles); pure.
 */
import type { ConfigValues } from '../config/config-values.js';
import { TOPICS_CONFIG, TOPICS_REGEX_CONFIG, topicSelectionProblem } from '../config/connector-common.js';
import { fullMatch } from '../config/patterns.js';
import { ConfigError } from '../errors.js';

export type TopicSelector = (topic: string) => boolean;

export function createTopicSelector(values: ConfigValues): TopicSelector {
  const problem = topicSelectionProblem(values);
  if (problem !== undefined) throw new ConfigError(problem);
  if (values.isSet(TOPICS_CONFIG)) {
    const topics = new Set(values.list(TOPICS_CONFIG).filter((topic) => topic !== ''));
    return (topic) => topics.has(topic);
  }
  const pattern = fullMatch(values.string(TOPICS_REGEX_CONFIG));
  return (topic) => pattern.test(topic);
}
