/**
 * The settings of one import, fixed when it is created and stored with it (imports.options), so
 * that a resumed import runs with exactly the settings it started with.
 */
import type { MatchKeys } from '../core/dedupe/index.ts';
import type { MergeOptions } from '../core/merge/index.ts';
import type { CustomFieldDef } from '../core/model/fields.ts';
import type { ReadOptions } from '../core/read/types.ts';
import type { TransformColumn, TransformOptions } from '../core/transform/index.ts';

export interface ImportOptions {
  read: Pick<ReadOptions, 'format' | 'encoding' | 'delimiter' | 'hasHeader' | 'sheet'>;
  /** The header row the mapping was made for; a resumed import checks the file still has it. */
  header: string[];
  /** Every column and the field it imports into (`null`: not imported). */
  columns: TransformColumn[];
  /** Custom fields the import creates before it starts (the mapping named them). */
  newCustomFields: CustomFieldDef[];
  transform: TransformOptions;
  merge: MergeOptions;
  matchKeys: MatchKeys;
  /** A static segment every imported contact is added to (created when missing). */
  segment: string | null;
  /** Look up the MX records of email domains. */
  mx: boolean;
  /** Rows per write transaction. */
  batchSize: number;
  /**
   * Possible duplicates (similar name + company, or the same phone under another email): listed
   * for review at `threshold` (0..1), merged into only with `merge`. null: not looked for.
   */
  fuzzy: { threshold: number; merge: boolean } | null;
}

export const DEFAULT_FUZZY_THRESHOLD = 0.85;

export const DEFAULT_IMPORT_BATCH_SIZE = 2000;
