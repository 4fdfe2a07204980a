/** The merge decision: what an import does with each row, field by field. */
export { planChange } from './plan-change.ts';
export { fieldStrategyFor, decideField } from './field-strategy.ts';
export { isBlank, sameValue, unionValues } from './field-values.ts';
export { FIELD_STRATEGIES } from './types.ts';
export { validateMergeOptions, parseFieldStrategies } from './validate-merge-options.ts';
export type {
  Change,
  ConsentChannel,
  DuplicateStrategy,
  FieldDiff,
  FieldStrategy,
  MergeOptions,
  NewerRule,
  SkipReason,
} from './types.ts';
