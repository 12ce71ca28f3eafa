/**
 * Where the OpenSearch sink reports the documents it skips under `behavior.on.malformed.documents`
 * / `behavior.on.version.conflict` = report: always through an ErrantRecordReporter
 * (contracts/sink-task.ts), so the writer has one way to report in both modes.
 *
 * `deadLetterReporter` picks it when the task starts: the worker's (Kafka mode with
 * errors.deadletterqueue.topic.name: the record as consumed goes to that topic), else the sink's
 * own dead-letter file (`errors.deadletterqueue.file`, standalone mode), which appends one JSON line
 * per document (its topic, partition, offset, index, id, the item's error and when) and resolves
 * once the line is written; without either, the document is logged as an error.
 */
import { appendFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ErrantRecordReporter, SinkTaskContext } from '../../contracts/sink-task.js';
import { SluiceError } from '../../errors.js';
import type { SinkRecord } from '../../events.js';
import { toJson } from '../../json.js';
import type { ItemError } from './bulk-response.js';

/** A document OpenSearch turned away whose behavior is `report`: what is reported with its record. */
export class DocumentRejected extends SluiceError {
  constructor(
    readonly index: string,
    readonly id: string,
    readonly item: ItemError,
  ) {
    super('OPENSEARCH_DOCUMENT_REJECTED', `OpenSearch rejected the document (index ${index}, id ${id}): ${item.type}: ${item.reason}`, { stage: 'put' });
    this.name = 'DocumentRejected';
  }
}

export function deadLetterReporter(context: SinkTaskContext, file: string | null, logger: Logger): ErrantRecordReporter {
  if (context.errantRecordReporter) return context.errantRecordReporter;
  return {
    report: async (record, error) => {
      const line = deadLetterLine(record, error);
      if (file) await appendFile(file, `${toJson(line)}\n`);
      else logger.error(line, 'document reported (no dead-letter queue configured)');
    },
  };
}

function deadLetterLine(record: SinkRecord, error: Error): Record<string, unknown> {
  const where = { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset };
  const what = error instanceof DocumentRejected ? { index: error.index, id: error.id, error: error.item } : { error: { type: error.name, reason: error.message } };
  return { ...where, ...what, reportedAt: new Date().toISOString() };
}
