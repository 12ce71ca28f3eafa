/**
 * A SinkTaskContext for sink task tests that start a task by hand: task 0, a silent logger,
 * standalone offsets, and a work directory of its own (a fresh temporary directory); and such a
 * directory for tests that start a task through a runner.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { SinkTaskContext } from '../../src/contracts/sink-task.js';

export function sinkTaskContext(overrides: Partial<SinkTaskContext> & Pick<SinkTaskContext, 'connector'>): SinkTaskContext {
  return { taskId: 0, logger: pino({ level: 'silent' }), stableOffsets: false, workDir: taskWorkDir(), ...overrides };
}

/** A fresh work directory for one task (SinkTaskContext.workDir; runners pass it on). */
export function taskWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'sluice-task-'));
}
