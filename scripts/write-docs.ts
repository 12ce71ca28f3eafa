import { writeFileSync } from 'node:fs';
import { renderReferenceDocument } from '../src/config/reference-document.js';

writeFileSync(new URL('../docs/config-reference.md', import.meta.url), renderReferenceDocument());
