import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReferenceDocument } from './reference-document.js';

describe('docs/config-reference.md', () => {
  it('matches the config declarations (regenerate with `npm run docs`)', () => {
    const document = readFileSync(new URL('../../docs/config-reference.md', import.meta.url), 'utf8');
    expect(document).toBe(renderReferenceDocument());
    expect(document).toContain('`slot.name`');
    expect(document).toContain('`offset.storage.file.filename`');
  });
});
