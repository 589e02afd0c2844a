import type { z } from 'zod';
import { validationFailed } from '../errors.js';

/** Describes zod issues in one line, naming the field, for the translated validation message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Parses untrusted input or throws a 400 with the issues. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationFailed(describeIssues(result.error));
  return result.data;
}
