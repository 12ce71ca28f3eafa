import { describe, expect, it } from 'vitest';
import { encodeAction, requestBody, type ActionBytes } from './action-bytes.js';

const SLAB_BYTES = 1 << 20;
const textOf = (action: ActionBytes) => requestBody([action], action.bytes).toString('utf8');
const line = (id: string) => `{"index":{"_index":"docs","_id":${JSON.stringify(id)}}}\n`;

describe('action bytes', () => {
  it('are the action line, then the document line with its newline, counted in UTF-8 bytes', () => {
    const document = JSON.stringify({ title: 'Ærø 東京 😀', note: 'plain' });
    const action = encodeAction(line('ü-1'), document);
    expect(textOf(action)).toBe(`${line('ü-1')}${document}\n`);
    expect(action.bytes).toBe(Buffer.byteLength(`${line('ü-1')}${document}\n`));
    const deletion = encodeAction(line('2'), null);
    expect(textOf(deletion)).toBe(line('2'));
    expect(deletion.bytes).toBe(line('2').length);
  });

  it('stay as they were written while later actions fill the slab and the next ones', () => {
    // Three-byte characters: the most a character can take, so the reserve is exactly what is needed.
    const document = JSON.stringify({ text: '東'.repeat(2000) });
    const actions = Array.from({ length: 600 }, (_, i) => ({ id: String(i), action: encodeAction(line(String(i)), document) }));
    expect(new Set(actions.map(({ action }) => action.slab)).size).toBeGreaterThan(2);
    for (const { id, action } of actions) expect(textOf(action)).toBe(`${line(id)}${document}\n`);
  });

  it('of an action larger than a slab are a buffer of their own size', () => {
    const document = JSON.stringify({ text: 'x'.repeat(SLAB_BYTES) });
    const action = encodeAction(line('big'), document);
    expect(textOf(action)).toBe(`${line('big')}${document}\n`);
    expect(action.slab.length).toBe(action.bytes);
    const after = encodeAction(line('next'), '{}');
    expect(textOf(after)).toBe(`${line('next')}{}\n`);
  });

  it('join into a body in the order given: one range of a slab as it is, others copied', () => {
    const actions = Array.from({ length: 5 }, (_, i) => encodeAction(line(String(i)), `{"n":${i}}`));
    const text = (list: ActionBytes[]) => list.map(textOf).join('');
    const bytes = (list: ActionBytes[]) => list.reduce((sum, a) => sum + a.bytes, 0);

    expect(new Set(actions.map((a) => a.slab)).size).toBe(1);
    const contiguous = requestBody(actions, bytes(actions));
    expect(contiguous.toString('utf8')).toBe(text(actions));
    expect(contiguous.buffer).toBe(actions[0]!.slab.buffer);

    const reordered = [actions[3]!, actions[0]!, actions[1]!, actions[4]!];
    const body = requestBody(reordered, bytes(reordered));
    expect(body.toString('utf8')).toBe(text(reordered));
    expect(body.length).toBe(bytes(reordered));
    expect(body.buffer).not.toBe(actions[0]!.slab.buffer);

    expect(requestBody([], 0).length).toBe(0);
  });
});
