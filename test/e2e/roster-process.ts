/**
 * The real `roster` command as a child process (`roster serve`, `roster worker`) for end-to-end
 * tests: its output is kept so a failing test can show it, and it can be waited on for a line,
 * stopped gracefully or killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: `bin/roster.js` is run from here. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Output kept per process; a long run keeps its end, where a failure usually is. */
const OUTPUT_LIMIT = 200_000;

export interface RosterProcess {
  /** A label for messages (`serve`, `worker 2`). */
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its stdout and stderr so far, interleaved as they arrived, prefixed with its name. */
  output(): string;
  /**
   * Waits for a line of stdout/stderr matching `pattern` (also one printed already). Rejects
   * with the output when the process exits first or `timeoutMs` passes.
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM (a graceful stop), then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node bin/roster.js <args>` with `env` on top of this process's environment.
 *
 * @example
 * const serve = startRoster('serve', ['serve'], { DATABASE_URL: url, ROSTER_PORT: '0' });
 * const [, address] = await serve.waitFor(/Roster is running on (\S+)/, 30_000);
 */
export function startRoster(
  name: string,
  args: string[],
  env: Record<string, string>,
): RosterProcess {
  const child = spawn(process.execPath, ['bin/roster.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const append = (stream: string) => (chunk: Buffer) => {
    const lines = chunk.toString('utf8').replace(/\n$/, '').split('\n');
    text += lines.map((line) => `[${name} ${stream}] ${line}\n`).join('');
    if (text.length > OUTPUT_LIMIT) text = text.slice(-OUTPUT_LIMIT);
    for (const wake of [...waiters]) wake();
  };
  child.stdout?.on('data', append('out'));
  child.stderr?.on('data', append('err'));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      text += `[${name}] exited (code ${String(code)}, signal ${String(signal)})\n`;
      for (const wake of [...waiters]) wake();
      resolve({ code, signal });
    });
  });
  // A failed spawn is reported through `exit` too; without a listener it would throw.
  child.once('error', (err) => {
    text += `[${name}] could not start: ${err.message}\n`;
  });

  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = text.match(pattern);
        if (found) {
          finish();
          resolve(found);
        } else if (done) {
          finish();
          reject(new Error(`${name} exited before printing ${String(pattern)}:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${name} printed no ${String(pattern)} in ${timeoutMs} ms:\n${text}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const stop = async (graceMs = 15_000): Promise<void> => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return { name, child, exited, output: () => text, waitFor, stop };
}
