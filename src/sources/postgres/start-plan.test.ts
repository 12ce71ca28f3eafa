import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import type { SnapshotProgress } from './source-offset.js';
import { planStart, type SnapshotMode, type StartState } from './start-plan.js';

const SLOT = 'sluice_slot';
const FRESH = { done: [], table: null, after: null, rows: 0, id: null, textKeyOrder: null };
const PROGRESS: SnapshotProgress = { lsn: 500, done: ['public.a'], table: 'public.b', after: { kind: 'key', values: ['7'] }, rows: 7, id: 'mhx0a1b2c', textKeyOrder: 'bytes' };

function state(mode: SnapshotMode, over: Partial<StartState> = {}): StartState {
  return { mode, slotName: SLOT, slotLsn: null, progress: null, resumeLsn: null, ...over };
}

/** The plan without its log text, for exact comparison. */
function shape(s: StartState) {
  const { reason: _reason, ...plan } = planStart(s);
  return plan;
}

describe('planStart', () => {
  describe('snapshot.mode=no_data', () => {
    it('streams from the existing slot, at the committed offset when there is one', () => {
      expect(shape(state('no_data', { slotLsn: 100 }))).toEqual({ createSlot: null, snapshot: null, stream: { from: null }, level: 'info' });
      expect(shape(state('no_data', { slotLsn: 100, resumeLsn: 300 }))).toEqual({ createSlot: null, snapshot: null, stream: { from: 300 }, level: 'info' });
      expect(shape(state('no_data', { slotLsn: 900, resumeLsn: 300 }))).toEqual({ createSlot: null, snapshot: null, stream: { from: 900 }, level: 'warn' });
    });

    it('creates a plain slot and streams from its position on a first start', () => {
      expect(shape(state('no_data'))).toEqual({ createSlot: 'plain', snapshot: null, stream: { from: null }, level: 'info' });
    });

    it('warns that changes are lost when the slot is gone but offsets say it streamed', () => {
      const plan = planStart(state('no_data', { resumeLsn: 300 }));
      expect(plan).toMatchObject({ createSlot: 'plain', snapshot: null, stream: { from: null }, level: 'warn' });
      expect(plan.reason).toContain(`"${SLOT}" is gone`);
      expect(plan.reason).toContain('snapshot.mode=when_needed');
    });
  });

  describe('snapshot.mode=initial_only', () => {
    it('does nothing once the snapshot is complete', () => {
      expect(shape(state('initial_only', { resumeLsn: 300 }))).toEqual({ createSlot: null, snapshot: null, stream: null, level: 'info' });
    });

    it('resumes an interrupted snapshot without a slot and without streaming', () => {
      expect(shape(state('initial_only', { progress: PROGRESS }))).toEqual({ createSlot: null, snapshot: { progress: PROGRESS }, stream: null, level: 'info' });
    });

    it('takes a fresh snapshot whose position is filled in at start', () => {
      expect(shape(state('initial_only', { slotLsn: 100 }))).toEqual({ createSlot: null, snapshot: { progress: { ...FRESH, lsn: null } }, stream: null, level: 'info' });
    });
  });

  describe('snapshot.mode=always', () => {
    it('resumes an interrupted snapshot when the slot still exists', () => {
      expect(shape(state('always', { slotLsn: 100, progress: PROGRESS }))).toEqual({ createSlot: null, snapshot: { progress: PROGRESS }, stream: { from: 500 }, level: 'info' });
    });

    it('creates the slot with an exported snapshot when there is none, whatever the offsets say', () => {
      const fresh = { createSlot: 'export', snapshot: { progress: { ...FRESH, lsn: null } }, stream: { from: null }, level: 'info' };
      expect(shape(state('always'))).toEqual(fresh);
      expect(shape(state('always', { progress: PROGRESS }))).toEqual(fresh);
      expect(shape(state('always', { resumeLsn: 300 }))).toEqual(fresh);
    });

    it('snapshots again, then streams from the existing slot, even after streaming', () => {
      const again = { createSlot: null, snapshot: { progress: { ...FRESH, lsn: 100 } }, stream: { from: 100 }, level: 'info' };
      expect(shape(state('always', { slotLsn: 100 }))).toEqual(again);
      expect(shape(state('always', { slotLsn: 100, resumeLsn: 300 }))).toEqual(again);
    });
  });

  describe.each(['initial', 'when_needed'] as const)('snapshot.mode=%s', (mode) => {
    it('takes the initial snapshot from a new slot on a first start', () => {
      expect(shape(state(mode))).toEqual({ createSlot: 'export', snapshot: { progress: { ...FRESH, lsn: null } }, stream: { from: null }, level: 'info' });
    });

    it('resumes an interrupted snapshot from its last chunk, then streams from its hand-over point', () => {
      expect(shape(state(mode, { slotLsn: 100, progress: PROGRESS }))).toEqual({ createSlot: null, snapshot: { progress: PROGRESS }, stream: { from: 500 }, level: 'info' });
    });

    it('starts an interrupted snapshot over, with a warning, when its slot is gone', () => {
      const plan = planStart(state(mode, { progress: PROGRESS }));
      expect(plan).toMatchObject({ createSlot: 'export', snapshot: { progress: { ...FRESH, lsn: null } }, stream: { from: null }, level: 'warn' });
      expect(plan.reason).toContain('starts over');
    });

    it('resumes streaming at the committed offset', () => {
      expect(shape(state(mode, { slotLsn: 100, resumeLsn: 300 }))).toEqual({ createSlot: null, snapshot: null, stream: { from: 300 }, level: 'info' });
      // After a clean stop the slot holds exactly what the offset says: it is not ahead of it.
      expect(shape(state(mode, { slotLsn: 300, resumeLsn: 300 }))).toEqual({ createSlot: null, snapshot: null, stream: { from: 300 }, level: 'info' });
    });

    it('resumes streaming at the slot\'s position, with a warning, when the slot has confirmed past the stored offset (offsets restored from a backup)', () => {
      const plan = planStart(state(mode, { slotLsn: 900, resumeLsn: 300 }));
      expect(plan).toMatchObject({ createSlot: null, snapshot: null, stream: { from: 900 }, level: 'warn' });
      expect(plan.reason).toContain(`the replication slot "${SLOT}" has confirmed changes past this connector's stored offset`);
    });

    it('snapshots, then streams from a slot that exists without offsets', () => {
      expect(shape(state(mode, { slotLsn: 100 }))).toEqual({ createSlot: null, snapshot: { progress: { ...FRESH, lsn: 100 } }, stream: { from: 100 }, level: 'info' });
    });
  });

  it('snapshot.mode=when_needed takes a new snapshot, with a warning, when the slot it streamed from is gone', () => {
    const plan = planStart(state('when_needed', { resumeLsn: 300 }));
    expect(plan).toMatchObject({ createSlot: 'export', snapshot: { progress: { ...FRESH, lsn: null } }, stream: { from: null }, level: 'warn' });
    expect(plan.reason).toContain('when_needed');
  });

  it('snapshot.mode=initial refuses to go on when the slot it streamed from is gone, naming when_needed as the way out', () => {
    const attempt = () => planStart(state('initial', { resumeLsn: 300 }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/"sluice_slot" no longer exists.*snapshot\.mode=when_needed/);
  });

  it('never lets a gap open between snapshot and stream, and never creates a slot that exists', () => {
    const lsn = fc.integer({ min: 1, max: 2 ** 40 });
    const progress: fc.Arbitrary<SnapshotProgress> = fc.record({ lsn, done: fc.array(fc.constantFrom('public.a', 'public.b')), table: fc.constant(null), after: fc.constant(null), rows: fc.nat(), id: fc.option(fc.constant('mhx0a1b2c')), textKeyOrder: fc.option(fc.constantFrom('bytes' as const, 'collation' as const)) });
    const states = fc.record({
      mode: fc.constantFrom<SnapshotMode>('initial', 'initial_only', 'no_data', 'always', 'when_needed'),
      slotName: fc.constant(SLOT),
      slotLsn: fc.option(lsn),
      progress: fc.option(progress),
      resumeLsn: fc.option(lsn),
    });
    fc.assert(
      fc.property(states, (s) => {
        let plan;
        try {
          plan = planStart(s);
        } catch (error) {
          // Only one refusal exists: streamed before, slot gone, snapshot.mode=initial.
          expect(error).toBeInstanceOf(ConfigError);
          expect(s).toMatchObject({ mode: 'initial', slotLsn: null, progress: null });
          expect(s.resumeLsn).not.toBeNull();
          return;
        }
        if (s.slotLsn !== null) expect(plan.createSlot).toBeNull();
        if (plan.createSlot === 'export') expect(plan.stream).toEqual({ from: null });
        if (plan.snapshot && plan.stream && plan.createSlot === null) {
          // A snapshot taken outside the slot's own export: the stream starts where its data begins.
          expect(plan.stream.from).toBe(plan.snapshot.progress.lsn);
        }
        if (plan.createSlot === null && (plan.snapshot || plan.stream) && s.mode !== 'initial_only') expect(s.slotLsn).not.toBeNull();
      }),
    );
  });
});
