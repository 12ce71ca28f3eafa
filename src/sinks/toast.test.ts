import { describe, expect, it } from 'vitest';
import type { Envelope } from '../events.js';
import { ARTICLES, articleCreated, articleMovedHere, articleRetitled } from './opensearch/articles.fixture.js';
import { PlaceholderDetector } from './toast.js';

const after = (event: { value: unknown }) => (event.value as Envelope).after!;
const detector = new PlaceholderDetector('__debezium_unavailable_value');

describe('unavailable TOAST values', () => {
  it('are found in the fields of an update that pgoutput did not send', () => {
    expect(detector.unavailableFields(after(articleRetitled), ARTICLES.rowSchema, 'u')).toEqual(['body', 'tags', 'cover']);
    expect(detector.unavailableFields(after(articleMovedHere), ARTICLES.rowSchema, 'c')).toEqual(['body', 'tags', 'cover']);
    expect(detector.unavailableFields(after(articleCreated), ARTICLES.rowSchema, 'c')).toEqual([]);
  });

  it('are never looked for in a snapshot read, which holds every value', () => {
    expect(detector.unavailableFields(after(articleRetitled), ARTICLES.rowSchema, 'r')).toEqual([]);
  });

  it('are recognised in the forms Debezium gives them: bytes as base64, arrays of one placeholder', () => {
    const row = { ...after(articleCreated), cover: Buffer.from('__debezium_unavailable_value').toString('base64'), tags: ['__debezium_unavailable_value'] };
    expect(detector.unavailableFields(row, ARTICLES.rowSchema, 'c')).toEqual(['tags', 'cover']);
    expect(detector.unavailableFields({ ...row, tags: ['__debezium_unavailable_value', 'x'] }, ARTICLES.rowSchema, 'c')).toEqual(['cover']);
  });

  it('use the placeholder the source was configured with, with or without a schema', () => {
    const row = { ...after(articleRetitled), body: '<toasted>' };
    expect(new PlaceholderDetector('<toasted>').unavailableFields(row, null, 'u')).toEqual(['body']);
    expect(new PlaceholderDetector('<toasted>').unavailableFields(after(articleRetitled), ARTICLES.rowSchema, 'u')).toEqual([]);
  });
});
