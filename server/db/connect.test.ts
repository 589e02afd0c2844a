import { describe, expect, it } from 'vitest';
import { isDuplicateKeyError, serializesWrites } from './connect.js';

describe('isDuplicateKeyError', () => {
  it('accepts E11000 from inserts', () => {
    expect(
      isDuplicateKeyError({ code: 11000, message: 'E11000 duplicate key error collection: nb.entries' }),
    ).toBe(true);
  });

  it('accepts FerretDB update collisions on SQLite and PostgreSQL', () => {
    const sqlite =
      "[collection.go:177 sqlite.(*collection).UpdateAll.func1] constraint failed: UNIQUE constraint failed: index 'w_e_1' (2067)";
    const postgres =
      '[collection.go:218] ERROR: duplicate key value violates unique constraint "w_idx" (SQLSTATE 23505)';
    expect(isDuplicateKeyError({ code: 1, message: sqlite })).toBe(true);
    expect(isDuplicateKeyError({ code: 1, message: postgres })).toBe(true);
  });

  it('rejects other errors', () => {
    expect(isDuplicateKeyError({ code: 1, message: 'something else broke' })).toBe(false);
    expect(isDuplicateKeyError({ code: 238, message: 'not implemented' })).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000 in a message without a code'))).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
  });
});

describe('serializesWrites', () => {
  it('is true only for FerretDB 1.x', () => {
    expect(serializesWrites({ version: '7.0.42', ferretdbVersion: 'v1.24.2' })).toBe(true);
    expect(serializesWrites({ version: '7.0.77', ferretdbVersion: 'v2.5.0' })).toBe(false);
    expect(serializesWrites({ version: '8.0.4' })).toBe(false);
  });
});
