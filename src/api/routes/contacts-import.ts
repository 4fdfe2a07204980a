/**
 * The API import for automation: `POST /api/contacts/import` takes contacts as JSON (the JSON
 * export's shape) with a file import's options, and answers with the outcome of every contact.
 *
 * The contacts are written to object storage as a JSON file and recorded as an upload, so the
 * import is an ordinary one: the same pipeline, history, error report and rollback. Unlike a file
 * import it runs inside the request (the request's size bounds it), under a lease like a worker's:
 * if this process dies mid-import, the reaper hands the import to a worker, which finishes it.
 *
 * Per-row results come from what the import stored: the journal (import_events) names the
 * contact of each created or updated row, and the row issues tell rejected rows (an `error`) and
 * in-file duplicates apart. The journal keeps nothing for unchanged and skipped rows, so their
 * contacts are found by planning those rows once more, read-only, with the same prepare and match
 * code (only when there are such rows, and only their batches reach the database).
 *
 * With an `Idempotency-Key` header the request claims the key before anything is written and
 * stores its response at the end; a retry with the same body gets that response again.
 */
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { RosterError } from '../../core/errors.ts';
import { bytesSource, type ByteSource } from '../../core/model/byte-source.ts';
import { createImportJob } from '../../jobs/create-import.ts';
import { processFile } from '../../jobs/import-batches.ts';
import type { ImportOptions } from '../../jobs/import-options.ts';
import { planStep } from '../../jobs/match-batch.ts';
import { runImport } from '../../jobs/run-import.ts';
import { recordAudit } from '../../store/audit.ts';
import { listCustomFields } from '../../store/custom-fields.ts';
import {
  claimIdempotencyKey,
  finishIdempotencyKey,
  releaseIdempotencyKey,
  requestHash,
} from '../../store/idempotency-keys.ts';
import { countersOf, emptyCounters } from '../../store/import-journal.ts';
import { eachImportIssue } from '../../store/import-issues.ts';
import { countActiveImports, getImport } from '../../store/imports.ts';
import { claimLease, releaseLease, renewLease } from '../../store/job-leases.ts';
import type { Database, ImportRow, JsonValue } from '../../store/schema.ts';
import { tenantLimits } from '../../store/tenant-settings.ts';
import { createUpload, newUploadId, uploadKey } from '../../store/uploads.ts';
import { findUser } from '../../store/users.ts';
import type { App, AppDeps } from '../app.ts';
import { actorOf, principalOf, type Principal } from '../principal.ts';
import { ERRORS, ErrorResponse } from '../schemas/common.ts';
import {
  ContactsImportBody,
  ContactsImportResponse,
  DEFAULT_MAX_CONTACTS_PER_REQUEST,
  IdempotencyHeaders,
  MAX_CONTACTS_PER_REQUEST,
  contactsImportRequestOf,
  type RowResultBody,
  type RowStatus,
} from '../schemas/contacts-import.ts';
import { countersJson } from './imports.ts';

/** 100,000 contacts of a few hundred bytes each, with room to spare. */
const BODY_LIMIT = 64 * 1024 * 1024;
/** The in-request import's lease: renewed well before it runs out. */
const LEASE_SECONDS = 60;
const RENEW_MS = 15_000;

export function registerContactsImportRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  app.post(
    '/contacts/import',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['contacts'],
        summary:
          'Import contacts sent as JSON (the JSON export shape) with per-row results; Idempotency-Key makes a retry safe',
        headers: IdempotencyHeaders,
        body: ContactsImportBody,
        response: {
          200: ContactsImportResponse,
          ...ERRORS,
          409: ErrorResponse,
          413: ErrorResponse,
          422: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const key = request.headers['idempotency-key'];
      if (key === undefined) return importContacts(deps, p, request.body);
      const replay = await claimIdempotencyKey(db, p.tenantId, key, requestHash(request.body));
      if (replay) {
        // Only successes are stored (below), so a replay is always a 200.
        return reply
          .header('idempotent-replayed', 'true')
          .code(200)
          .send(replay.body as ContactsImportResponse);
      }
      try {
        const result = await importContacts(deps, p, request.body);
        await finishIdempotencyKey(db, p.tenantId, key, {
          statusCode: 200,
          body: result as unknown as JsonValue,
        });
        return result;
      } catch (err) {
        // Only successes are replayed: after a failure the retry runs again.
        await releaseIdempotencyKey(db, p.tenantId, key).catch((e: unknown) =>
          request.log.error({ err: e }, 'could not release an idempotency key'),
        );
        throw err;
      }
    },
  );
}

async function importContacts(
  deps: AppDeps,
  p: Principal,
  body: ContactsImportBody,
): Promise<ContactsImportResponse> {
  const { db, files } = deps;
  const { tenantId } = p;
  await checkLimits(db, tenantId, body.contacts.length);
  const { request, source } = contactsImportRequestOf(body);

  // The file the import reads: the contacts as sent, with the request's Source where they have none.
  const contacts =
    source === null ? body.contacts : body.contacts.map((c) => withSource(c, source));
  const bytes = Buffer.from(JSON.stringify(contacts));
  const uploadId = newUploadId();
  const storageKey = `${uploadKey(tenantId, uploadId)}.json`;
  const fileName = `api-import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const stored = await files.put(storageKey, Readable.from([bytes]), {
    contentType: 'application/json',
  });
  await createUpload(db, tenantId, {
    id: uploadId,
    fileName,
    contentType: 'application/json',
    fileSize: stored.size,
    fileSha256: stored.sha256,
    storageKey,
    createdBy: p.userId,
  }).catch(async (err: unknown) => {
    await files.delete(storageKey);
    throw err;
  });
  // The bytes are at hand: the import reads them from memory, not back from storage.
  const file = bytesSource(fileName, bytes);
  const { job } = await createImportJob(
    db,
    tenantId,
    file,
    storageKey,
    request,
    await actorName(db, p),
  );
  await db
    .updateTable('imports')
    .set({ upload_id: uploadId, created_by: p.userId, rows_total: contacts.length })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', job.id)
    .execute();
  await recordAudit(db, tenantId, {
    actor: actorOf(p),
    action: 'import.create',
    target: { type: 'import', id: job.id },
    details: { api: true, contacts: contacts.length, fileName },
  });

  await runLeased(db, tenantId, job.id, (signal) =>
    runImport({ db, tenantId, source: file, signal }, job.id),
  );
  const done = await getImport(db, tenantId, job.id);
  if (done.status !== 'completed') {
    throw new RosterError('INTERNAL', `Import ${job.id} stopped before its end`, {
      importId: job.id,
      status: done.status,
    });
  }
  await recordAudit(db, tenantId, {
    actor: actorOf(p),
    action: 'import.completed',
    target: { type: 'import', id: job.id },
    details: { ...countersOf(done) },
  });
  return {
    importId: done.id,
    status: done.status,
    counters: countersJson(countersOf(done)),
    results: await rowResults(db, done, file, contacts.length),
  };
}

/** A contact with `source` set, unless it has one of its own. */
function withSource(contact: Record<string, unknown>, source: string): Record<string, unknown> {
  const own = contact['source'];
  return own === undefined || own === null || own === '' ? { ...contact, source } : contact;
}

async function checkLimits(db: Kysely<Database>, tenantId: string, count: number): Promise<void> {
  const limits = await tenantLimits(db, tenantId);
  const max = Math.min(await maxContactsPerRequest(db, tenantId), limits.maxRowsPerImport);
  if (count > max) {
    throw new RosterError(
      'LIMIT_EXCEEDED',
      `The request has ${count} contacts; at most ${max} may be sent at once. Split them into smaller requests`,
      {
        limit: max,
        value: count,
        setting: max === limits.maxRowsPerImport ? 'maxRowsPerImport' : 'maxContactsPerRequest',
      },
    );
  }
  const active = await countActiveImports(db, tenantId);
  if (active >= limits.maxConcurrentImports) {
    throw new RosterError(
      'LIMIT_EXCEEDED',
      `${active} imports are already waiting or running; the limit is ${limits.maxConcurrentImports}. Retry when one of them has finished`,
      { limit: limits.maxConcurrentImports, value: active, setting: 'maxConcurrentImports' },
    );
  }
}

/** The tenant setting `maxContactsPerRequest` (a whole number up to MAX_CONTACTS_PER_REQUEST). */
async function maxContactsPerRequest(db: Kysely<Database>, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('tenants')
    .select('settings')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const value = row.settings['maxContactsPerRequest'];
  if (value === undefined || value === null) return DEFAULT_MAX_CONTACTS_PER_REQUEST;
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 1 ||
    value > MAX_CONTACTS_PER_REQUEST
  ) {
    throw new RosterError(
      'CONFIG_INVALID',
      `Tenant setting maxContactsPerRequest must be a whole number from 1 to ${MAX_CONTACTS_PER_REQUEST}`,
    );
  }
  return value;
}

/**
 * Runs `work` holding the import's lease, renewed on a timer, as a worker would: the reaper
 * leaves a live lease alone and hands an expired one (this process died) to a worker.
 */
async function runLeased<T>(
  db: Kysely<Database>,
  tenantId: string,
  importId: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const owner = `api:${importId}`;
  if (!(await claimLease(db, 'imports', tenantId, importId, owner, LEASE_SECONDS))) {
    throw new RosterError('CONFLICT', `Import ${importId} is being run elsewhere`, { importId });
  }
  const controller = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewLease(db, 'imports', tenantId, importId, owner, LEASE_SECONDS).then(
      (ours) => {
        if (!ours) controller.abort(new Error('lease lost'));
      },
      () => undefined,
    );
  }, RENEW_MS);
  timer.unref();
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(timer);
    await renewing;
    await releaseLease(db, 'imports', tenantId, importId, owner);
  }
}

/**
 * The outcome of each contact, by its position in the request: contact n (0-based) is row n + 2
 * of the JSON file (the reader's header is row 1, object n + 1 is row n + 2).
 */
async function rowResults(
  db: Kysely<Database>,
  job: ImportRow,
  file: ByteSource,
  count: number,
): Promise<RowResultBody[]> {
  const tenantId = job.tenant_id;
  const results: RowResultBody[] = Array.from({ length: count }, (_, index) => ({
    index,
    status: 'unchanged',
    contactId: null,
    issues: [],
  }));
  const at = (row: number | null): RowResultBody | undefined =>
    row === null ? undefined : results[row - 2];

  const rejected = new Set<number>();
  const duplicates = new Set<number>();
  for await (const i of eachImportIssue(db, tenantId, job.id)) {
    const result = at(i.row);
    if (!result || i.row === null) continue;
    result.issues.push({ field: i.field, code: i.code, severity: i.severity, message: i.message });
    if (i.severity === 'error') rejected.add(i.row);
    if (i.code === 'duplicate_in_file') duplicates.add(i.row);
  }
  const events = await db
    .selectFrom('import_events')
    .select(['row_number', 'contact_id', 'kind'])
    .where('tenant_id', '=', tenantId)
    .where('import_id', '=', job.id)
    .orderBy('seq')
    .execute();
  const journaled = new Set<number>();
  for (const e of events) {
    const result = at(e.row_number);
    if (!result || e.row_number === null) continue;
    journaled.add(e.row_number);
    result.status = e.kind;
    result.contactId = e.contact_id;
  }

  const options = job.options as unknown as ImportOptions;
  const matched: RowStatus = options.merge.strategy === 'skip' ? 'skipped' : 'unchanged';
  const unjournaled = new Set<number>();
  for (const r of results) {
    const row = r.index + 2;
    if (journaled.has(row)) continue;
    if (rejected.has(row)) r.status = 'rejected';
    else if (duplicates.has(row)) r.status = 'duplicate_in_file';
    else {
      r.status = matched;
      unjournaled.add(row);
    }
  }
  if (unjournaled.size > 0) {
    const contacts = await matchedContacts(db, tenantId, options, file, unjournaled);
    for (const row of unjournaled) {
      const result = at(row);
      if (result) result.contactId = contacts.get(row) ?? null;
    }
  }
  return results;
}

/**
 * The contacts that the given rows (unchanged or skipped in the import) match now: the rows are
 * prepared and matched again with the import's options, read-only. A contact changed or deleted
 * since by someone else still gives its id, or null when it is gone.
 */
async function matchedContacts(
  db: Kysely<Database>,
  tenantId: string,
  options: ImportOptions,
  file: ByteSource,
  rows: ReadonlySet<number>,
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  const customFields = await listCustomFields(db, tenantId);
  const ctx = { db, tenantId, source: file };
  await processFile(ctx, options, customFields, { row: 0, seq: 0 }, emptyCounters(), async (b) => {
    const ready = b.ready.filter((r) => rows.has(r.rowNumber));
    if (ready.length === 0) return;
    const { plan } = await planStep(db, tenantId, { ...b, ready }, options, false);
    for (const u of [...plan.unchanged, ...plan.skipped]) found.set(u.row, u.contactId);
    for (const [id, update] of plan.updates) {
      for (const e of update.events) found.set(e.row, id);
    }
  });
  return found;
}

/** The name an import shows as its starter: the user's email, or the API key. */
async function actorName(db: Kysely<Database>, p: Principal): Promise<string> {
  const user = p.userId === null ? undefined : await findUser(db, p.tenantId, p.userId);
  return user?.email ?? `api-key:${p.credentialId}`;
}
