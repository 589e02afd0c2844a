import { z } from 'zod';
import { MAX_REPORT_DESCRIPTION, SERVICE_TYPES } from './report.js';

/** Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): field names exactly as the spec has them. */
export const OPEN311_FORMATS = ['json', 'xml'] as const;
export type Open311Format = (typeof OPEN311_FORMATS)[number];

const optionalText = (max: number) => z.string().trim().max(max).optional();
const coordinate = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d{1,3}(\.\d+)?$/)
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .optional();

/** `POST requests.json` (form-encoded). Location is lat+long, address_string or address_id. */
export const open311PostSchema = z.object({
  api_key: z.string().min(1).max(256).optional(),
  jurisdiction_id: optionalText(128),
  service_code: z.string().trim().min(1).max(64),
  lat: coordinate(-90, 90),
  long: coordinate(-180, 180),
  address_string: optionalText(512),
  address_id: optionalText(128),
  email: z.string().trim().max(254).pipe(z.email()).optional(),
  device_id: optionalText(128),
  account_id: optionalText(128),
  first_name: optionalText(64),
  last_name: optionalText(64),
  phone: optionalText(32),
  /** The spec caps it at 4,000 characters; the service checks it and answers with its own error. */
  description: z
    .string()
    .max(MAX_REPORT_DESCRIPTION * 4)
    .optional(),
  media_url: z.url().max(2048).optional(),
});
export type Open311PostInput = z.infer<typeof open311PostSchema>;

const isoDate = z.iso.datetime({ offset: true });
const commaList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .max(2000)
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1));

/** `GET requests.json`. */
export const open311QuerySchema = z.object({
  jurisdiction_id: optionalText(128),
  service_request_id: z
    .string()
    .max(2000)
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .optional(),
  service_code: commaList(SERVICE_TYPES).optional(),
  start_date: isoDate.optional(),
  end_date: isoDate.optional(),
  status: commaList(['open', 'closed'] as const).optional(),
  /** Not in the spec: page size (default 100, at most 1000) and where the previous page ended. */
  page_size: z.coerce.number().int().min(1).max(1000).optional(),
  before: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional(),
});
export type Open311Query = z.infer<typeof open311QuerySchema>;

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  address: string;
  address_id: string;
  zipcode: string;
  lat: number | null;
  long: number | null;
  media_url: string;
}

export interface Open311Error {
  code: number;
  description: string;
}

/** `POST /api/open311/keys`: an admin issues a key; it is shown once and stored hashed. */
export const issueOpen311KeySchema = z.object({ name: z.string().trim().min(1).max(64) });
export const issuedOpen311KeySchema = z.object({ name: z.string(), key: z.string() });
export type IssuedOpen311Key = z.infer<typeof issuedOpen311KeySchema>;
