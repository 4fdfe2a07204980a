/** In-file duplicate detection by the tenant's match keys. */
export { createInFileDeduper } from './in-file-deduper.ts';
export type { InFileDeduper, InFileDuplicate } from './in-file-deduper.ts';
export { KeyTable } from './key-table.ts';
export { emailKey, phoneKey, emailAndPhoneKey, MATCH_KEYS } from './match-keys.ts';
export type { MatchKeys } from './match-keys.ts';
