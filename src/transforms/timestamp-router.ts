/**
 * TimestampRouter (org.apache.kafka.connect.transforms.TimestampRouter): sets the topic from
 * `topic.format`, replacing `${topic}` with the record's topic and `${timestamp}` with its
 * timestamp written in `timestamp.format` (a SimpleDateFormat pattern, in UTC). Typically used by
 * sinks to write into one index or table per day.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import { compileDateFormat, dateFormatError } from './java-date-format.js';
import { plainPlugin, type TransformPlugin } from './transform-plugin.js';

export const TIMESTAMP_ROUTER_CLASS = 'org.apache.kafka.connect.transforms.TimestampRouter';

export const TIMESTAMP_ROUTER_CONFIG: ConfigDefinition = {
  keys: [
    {
      name: 'topic.format', type: 'STRING', default: '${topic}-${timestamp}', importance: 'HIGH', group: 'TimestampRouter',
      documentation: 'Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively.',
    },
    {
      name: 'timestamp.format', type: 'STRING', default: 'yyyyMMdd', importance: 'HIGH', group: 'TimestampRouter',
      validator: { describe: 'a java.text.SimpleDateFormat pattern', check: (value) => dateFormatError(String(value)) },
      documentation: 'Format string for the timestamp that is compatible with java.text.SimpleDateFormat.',
    },
  ],
};

export function createTimestampRouter(topicFormat: string, timestampFormat: string): Transform {
  const format = compileDateFormat(timestampFormat);
  return {
    apply(event) {
      const topic = topicFormat.replaceAll('${topic}', () => event.topic).replaceAll('${timestamp}', () => format.format(event.timestamp));
      return { ...event, topic };
    },
  };
}

export const TIMESTAMP_ROUTER: TransformPlugin = plainPlugin(TIMESTAMP_ROUTER_CLASS, TIMESTAMP_ROUTER_CONFIG, (values) =>
  createTimestampRouter(values.string('topic.format'), values.string('timestamp.format')),
);
