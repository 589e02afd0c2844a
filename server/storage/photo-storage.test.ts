import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { LocalPhotoStorage, checkPhoto, decodeDataUrl, sniffImage } from './photo-storage.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (err) {
    return err instanceof AppError ? err.code : 'other';
  }
  return null;
};

describe('photo checks', () => {
  it('knows images by their bytes, not their names', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('GIF89a....'))).toBe('image/gif');
    expect(sniffImage(Buffer.from('RIFF0000WEBPVP8 '))).toBe('image/webp');
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });

  it('refuses non-images and oversized ones with their own errors', () => {
    expect(codeOf(() => checkPhoto(Buffer.from('%PDF-1.7')))).toBe('not_image');
    expect(codeOf(() => checkPhoto(PNG, 10))).toBe('photo_too_large');
    expect(checkPhoto(PNG)).toBe('image/png');
  });

  it('decodes data URLs only', () => {
    expect(decodeDataUrl(`data:image/png;base64,${PNG.toString('base64')}`)?.equals(PNG)).toBe(true);
    expect(decodeDataUrl('https://example.com/a.png')).toBeNull();
  });
});

describe('LocalPhotoStorage', () => {
  it('keeps files in its directory and refuses keys that could leave it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'photos-'));
    const storage = new LocalPhotoStorage(dir);
    await storage.put('1001-abc', PNG);
    expect((await storage.get('1001-abc'))?.equals(PNG)).toBe(true);
    expect(await storage.get('missing')).toBeNull();
    await expect(storage.put('../escape', PNG)).rejects.toThrow('unsafe photo key');
    expect(await readdir(dir)).toEqual(['1001-abc']);
  });
});
