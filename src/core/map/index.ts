/** Column mapping: which Roster field each column of an input file belongs to. */
export { profileColumns } from './profile-columns.ts';
export { suggestMapping, toPresetMapping } from './suggest-mapping.ts';
export { headerFingerprint } from './header-fingerprint.ts';
export { normalizeHeader } from './normalize-header.ts';
export type {
  ColumnProfile,
  ColumnStats,
  ColumnSuggestion,
  MappingContext,
  MappingMethod,
} from './types.ts';
