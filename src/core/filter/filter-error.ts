import { RosterError } from '../errors.ts';

/** Where and why a filter is wrong; `expected` and `suggestion` when there is something to say. */
export interface FilterErrorDetails {
  position: number;
  expected?: string[];
  suggestion?: string;
}

/**
 * A FILTER_INVALID error whose message ends with the position, so it reads well on its own.
 *
 * @example
 * throw filterError('Unknown field "contry"', { position: 0, suggestion: 'country' });
 */
export function filterError(message: string, details: FilterErrorDetails): RosterError {
  const hint = details.suggestion === undefined ? '' : ` (did you mean "${details.suggestion}"?)`;
  const clean: FilterErrorDetails = { position: details.position };
  if (details.expected !== undefined) clean.expected = details.expected;
  if (details.suggestion !== undefined) clean.suggestion = details.suggestion;
  return new RosterError('FILTER_INVALID', `${message}${hint} at position ${details.position}`, {
    ...clean,
  });
}
