import type { ImportRow } from '../store/schema.ts';

/** The status the history shows: success, partial (some rows rejected), failed, rolled back... */
export type DisplayStatus =
  | 'success'
  | 'partial'
  | 'failed'
  | 'rolled_back'
  | 'rolling_back'
  | 'running'
  | 'queued'
  | 'cancelled'
  | 'uploaded';

export function displayStatus(job: ImportRow): DisplayStatus {
  if (job.status === 'completed') return job.rows_rejected > 0 ? 'partial' : 'success';
  return job.status;
}

const LABELS: Record<DisplayStatus, string> = {
  success: '✓ Success',
  partial: '⚠ Partial',
  failed: '✗ Failed',
  rolled_back: '↺ Rolled back',
  rolling_back: '↺ Rolling back',
  running: '… Running',
  queued: '… Queued',
  cancelled: '✗ Cancelled',
  uploaded: '… Uploaded',
};

export function statusLabel(status: DisplayStatus): string {
  return LABELS[status];
}
