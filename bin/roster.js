#!/usr/bin/env node
// The `roster` command. Roster ships as TypeScript; tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
