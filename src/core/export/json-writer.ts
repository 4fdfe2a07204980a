/**
 * The JSON and NDJSON export formats: one object per contact in the spec's shape ("JSON
 * Export": camelCase standard fields, `tags` array, `customFields`, `segments`, `consent`).
 */
import type { FieldValue } from '../model/contact.ts';
import { ChunkBuilder } from './chunk-builder.ts';
import { sinkWriter } from './csv-writer.ts';
import type { ByteSink, ExportContact, ExportLayout, ExportWriter } from './types.ts';

/** What a page's buffer starts with: a page of 500 default objects is ~450 KB. */
const PAGE_BYTES = 512 << 10;

type JsonValue = FieldValue | JsonObject;
interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * One contact as a JSON object holding only the selected columns: standard fields by camelCase
 * name, custom fields under `customFields`, `segments` as an array, and for consent columns
 * both the `emailOptIn`/`smsOptIn` flag (true, false, or null when unknown) and the channel's
 * entry in `consent` (`{status, at, source}`). Values stay typed: numbers, booleans, arrays.
 *
 * @example
 * contactObject(contact, layout); // { email: 'ann@example.com', tags: ['vip'], customFields: { plan: 'Pro' } }
 */
export function contactObject(contact: ExportContact, layout: ExportLayout): JsonObject {
  const obj: JsonObject = {};
  let customFields: JsonObject | undefined;
  let consent: JsonObject | undefined;
  for (const column of layout.columns) {
    switch (column.kind) {
      case 'field':
        obj[column.jsonName] = contact.fields[column.key] ?? null;
        break;
      case 'custom':
        if (!customFields) obj['customFields'] = customFields = {};
        customFields[column.jsonName] = contact.custom[column.key] ?? null;
        break;
      case 'consent': {
        const channel = column.key === 'sms_opt_in' ? 'sms' : 'email';
        const state = contact.consent[channel];
        obj[column.jsonName] =
          state.status === 'opted_in' ? true : state.status === 'opted_out' ? false : null;
        if (!consent) obj['consent'] = consent = {};
        consent[channel] = { status: state.status, at: state.at, source: state.source };
        break;
      }
      case 'segments':
        obj[column.jsonName] = contact.segments;
        break;
    }
  }
  return obj;
}

/**
 * A JSON writer: one array, written element by element as pages arrive (the whole export is
 * never held in memory). An export without contacts is `[]`.
 *
 * @example
 * const writer = createJsonWriter(createWriteStream('contacts.json'), layout);
 * for await (const page of pages) await writer.writePage(page);
 * await writer.finish();
 */
export function createJsonWriter(sink: ByteSink, layout: ExportLayout): ExportWriter {
  const out = sinkWriter(sink);
  const chunk = new ChunkBuilder(PAGE_BYTES);
  let count = 0;
  return {
    async writePage(contacts) {
      // Each object into bytes at once (chunk-builder.ts).
      for (const contact of contacts) {
        chunk.append(
          (count === 0 ? '[\n' : ',\n') + JSON.stringify(contactObject(contact, layout)),
        );
        count++;
      }
      await out.write(chunk.take());
    },
    async finish() {
      await out.write(count === 0 ? '[]\n' : '\n]\n');
      return out.end();
    },
  };
}

/**
 * An NDJSON writer: one contact object per line, in the same shape as the JSON format.
 *
 * @example
 * const writer = createNdjsonWriter(process.stdout, layout);
 * await writer.writePage(contacts);
 * await writer.finish();
 */
export function createNdjsonWriter(sink: ByteSink, layout: ExportLayout): ExportWriter {
  const out = sinkWriter(sink);
  const chunk = new ChunkBuilder(PAGE_BYTES);
  return {
    async writePage(contacts) {
      for (const contact of contacts)
        chunk.append(JSON.stringify(contactObject(contact, layout)) + '\n');
      await out.write(chunk.take());
    },
    finish() {
      return out.end();
    },
  };
}
