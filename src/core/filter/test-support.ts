import { expect } from 'vitest';
import { isRosterError } from '../errors.ts';
import type { FilterErrorDetails } from './filter-error.ts';

/** Runs `fn`, expects a FILTER_INVALID error and returns its details and message. */
export function filterFailure(fn: () => unknown): FilterErrorDetails & { message: string } {
  try {
    fn();
  } catch (err) {
    if (!isRosterError(err, 'FILTER_INVALID')) throw err;
    return { ...(err.details as unknown as FilterErrorDetails), message: err.message };
  }
  expect.unreachable('expected a FILTER_INVALID error');
  throw new Error('unreachable');
}
