#!/usr/bin/env node
// `npm test`: type-check, lint, then the whole test suite. The PostgreSQL half of the storage
// suite runs when TEST_DATABASE_URL is set (CI sets it); otherwise everything runs on PGlite.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

if (!process.env.TEST_DATABASE_URL) {
  console.log(
    'TEST_DATABASE_URL is not set: the PostgreSQL storage suite is skipped, PGlite runs everything.',
  );
} else {
  console.log(
    `PostgreSQL storage suite on ${process.env.TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`,
  );
}
run(bin('tsc'), ['--noEmit', '-p', '.']);
run(bin('eslint'), ['--max-warnings=0', '.']);
run(bin('prettier'), ['--check', '--log-level=warn', '.']);
run(bin('vitest'), ['run', ...process.argv.slice(2)]);
