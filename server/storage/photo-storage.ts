import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_PHOTO_BYTES, type PHOTO_TYPES } from '../../shared/schemas/report.js';
import { AppError } from '../errors.js';

export type PhotoType = (typeof PHOTO_TYPES)[number];

/** Where photo bytes live; the local directory by default, an object store in a larger deployment. */
export interface PhotoStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  /** null when nothing is stored under `key`. */
  get(key: string): Promise<Buffer | null>;
}

export const photoNotImage = () => new AppError(400, 'not_image', 'reports.errors.notImage');
export const photoTooLarge = () =>
  new AppError(413, 'photo_too_large', 'reports.errors.tooLarge', { max: MAX_PHOTO_BYTES / 1024 / 1024 });

/** The image type by its first bytes (never by a name or a declared type, which a sender controls). */
export function sniffImage(bytes: Buffer): PhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  return null;
}

/** Checks size then type; throws the specific error, so nothing is stored for a bad photo. */
export function checkPhoto(bytes: Buffer, maxBytes = MAX_PHOTO_BYTES): PhotoType {
  if (bytes.length > maxBytes) throw photoTooLarge();
  const type = sniffImage(bytes);
  if (!type) throw photoNotImage();
  return type;
}

/** Reads a `data:image/...;base64,` URL (how the simulator and tests carry image bytes); null otherwise. */
export function decodeDataUrl(url: string): Buffer | null {
  const match = /^data:[\w/+.-]*;base64,([A-Za-z0-9+/=]+)$/.exec(url);
  return match ? Buffer.from(match[1]!, 'base64') : null;
}

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Photos as files in one directory (`<DATA_DIR>/photos` by default). */
export class LocalPhotoStorage implements PhotoStorage {
  constructor(private readonly dir: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.pathOf(key), bytes);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch {
      return null;
    }
  }

  private pathOf(key: string): string {
    // Keys are generated ids; the check keeps a bad one from ever leaving the directory.
    if (!SAFE_KEY.test(key)) throw new Error('unsafe photo key');
    return path.join(this.dir, key);
  }
}

/** In memory, for unit tests. */
export class MemoryPhotoStorage implements PhotoStorage {
  readonly files = new Map<string, Buffer>();
  put(key: string, bytes: Buffer): Promise<void> {
    this.files.set(key, bytes);
    return Promise.resolve();
  }
  get(key: string): Promise<Buffer | null> {
    return Promise.resolve(this.files.get(key) ?? null);
  }
}
