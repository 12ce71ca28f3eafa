/**
 * The benchmark's output: one line per measurement comparing Sluice with its reference tool on the
 * same data (for the kafka case, with Sluice's own stream into the null sink), against the targets
 * of a 2-core machine (for a case that writes files, also the bytes per row of each side's files),
 * and the same figures as JSON.
 *
 * Contract: pure formatting, plus `writeResults` which writes the JSON file. A missed target is
 * reported as "below target" in the text; nothing here fails the run.
 */
import { writeFile } from 'node:fs/promises';
import type { CaptureResult } from './capture-process.js';

export interface Comparison {
  name: 'snapshot' | 'stream' | 'opensearch' | 'parquet' | 'kafka';
  /**
   * Rows read (snapshot), row changes in the backlog (stream), documents written (opensearch), rows
   * written to Parquet (parquet) or the backlog's change events (kafka: as many messages in Kafka
   * as events the stream case handed to its null sink): the same work for both sides.
   */
  rows: number;
  unit: 'rows' | 'changes' | 'docs' | 'events';
  reference: { tool: string; seconds: number };
  /** The fastest of the runs; `maxRssKb` is the highest peak of them all. */
  sluice: CaptureResult;
  /** minRatio null: no throughput target. */
  targets: { minRatio: number | null; maxRssMb: number };
  /** parquet: the bytes of the files each side wrote. */
  fileBytes?: { sluice: number; reference: number };
  /** How the case was run, when it was run more than one way (opensearch: where the processes ran). */
  note?: string;
}

export interface ComparisonFigures {
  sluiceRowsPerSecond: number;
  referenceRowsPerSecond: number;
  ratio: number;
  cpuMicrosPerRow: number;
  peakRssMb: number;
  baselineRssMb: number;
  /** null: no throughput target. */
  meetsRatio: boolean | null;
  meetsRss: boolean;
  /** Present when the comparison has `fileBytes`. */
  bytesPerRow?: { sluice: number; reference: number };
}

export function figuresOf(c: Comparison): ComparisonFigures {
  const sluiceRowsPerSecond = c.rows / c.sluice.seconds;
  const referenceRowsPerSecond = c.rows / c.reference.seconds;
  const ratio = sluiceRowsPerSecond / referenceRowsPerSecond;
  const peakRssMb = c.sluice.maxRssKb / 1024;
  return {
    sluiceRowsPerSecond,
    referenceRowsPerSecond,
    ratio,
    cpuMicrosPerRow: c.sluice.cpuMicros / c.rows,
    peakRssMb,
    baselineRssMb: c.sluice.baselineRssKb / 1024,
    meetsRatio: c.targets.minRatio === null ? null : ratio >= c.targets.minRatio,
    meetsRss: peakRssMb <= c.targets.maxRssMb,
    ...(c.fileBytes && { bytesPerRow: { sluice: c.fileBytes.sluice / c.rows, reference: c.fileBytes.reference / c.rows } }),
  };
}

const SINGULAR: Record<Comparison['unit'], string> = { rows: 'row', changes: 'change', docs: 'doc', events: 'event' };

function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${Math.round(perSecond / 1e3)}k`;
  return Math.round(perSecond).toString();
}

export function formatComparison(c: Comparison): string {
  const f = figuresOf(c);
  const misses = [f.meetsRatio === false && 'throughput', !f.meetsRss && 'memory'].filter(Boolean);
  const targets = [c.targets.minRatio !== null && `>= ${c.targets.minRatio}x`, `<= ${c.targets.maxRssMb} MB`].filter(Boolean);
  return [
    c.name.padEnd(10),
    `${c.rows} ${c.unit}`.padEnd(16),
    `sluice ${rate(f.sluiceRowsPerSecond)} ${c.unit}/s (${c.sluice.seconds.toFixed(2)} s)`.padEnd(32),
    `${c.reference.tool} ${rate(f.referenceRowsPerSecond)} ${c.unit}/s (${c.reference.seconds.toFixed(2)} s)`.padEnd(42),
    `ratio ${f.ratio.toFixed(2)}x`.padEnd(12),
    `cpu ${f.cpuMicrosPerRow.toFixed(1)} µs/${SINGULAR[c.unit]}`.padEnd(20),
    `peak RSS ${Math.round(f.peakRssMb)} MB (idle ${Math.round(f.baselineRssMb)} MB)`.padEnd(30),
    `(target ${targets.join(', ')})`,
    f.bytesPerRow ? ` files ${f.bytesPerRow.sluice.toFixed(1)} B/${SINGULAR[c.unit]} (${c.reference.tool} ${f.bytesPerRow.reference.toFixed(1)})` : '',
    c.note ? ` [${c.note}]` : '',
    misses.length > 0 ? `  below target: ${misses.join(', ')}` : '',
  ].filter((part) => part !== '').join(' ');
}

export async function writeResults(file: string, context: Record<string, unknown>, comparisons: Comparison[]): Promise<void> {
  const results = { ...context, measurements: comparisons.map((c) => ({ ...c, figures: figuresOf(c) })) };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}
