#!/usr/bin/env node
// The `chipweb` bin: registers tsx so the TypeScript CLI and the user's
// TypeScript app load without a compile step, then hands over to cli.ts.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
