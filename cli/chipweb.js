#!/usr/bin/env node
// The `chipweb` bin: registers tsx so the TypeScript CLI and the user's
// TypeScript app load without a compile step, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
