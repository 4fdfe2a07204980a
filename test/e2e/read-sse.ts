/**
 * Reads a Server-Sent Events stream from a real (streaming) fetch response, event by event as
 * the bytes arrive, the way a browser's EventSource does.
 */

export interface SseEvent {
  event: string;
  data: unknown;
  /** When the event was read (ms since the epoch). */
  at: number;
}

/**
 * Yields each event of `body` (`data` parsed as JSON) until the server ends the stream.
 *
 * @example
 * const res = await fetch(`${base}/api/imports/${id}/progress`, { headers });
 * for await (const e of readSse(res.body!)) if (e.event === 'done') break;
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      // Events are separated by a blank line.
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = eventOf(block);
        if (event) yield event;
      }
    }
    const last = eventOf(buffered + decoder.decode());
    if (last) yield last;
  } finally {
    // Stops the download when the caller breaks out early.
    await reader.cancel().catch(() => undefined);
  }
}

function eventOf(block: string): SseEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return null;
  return { event, data: JSON.parse(data.join('\n')) as unknown, at: Date.now() };
}
