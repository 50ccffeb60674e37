/**
 * Runs one conformance case on the in-memory platform and returns the
 * response bytes; shared by the Node-side conformance tests and the XS
 * harness (plain code: it runs inside XS too).
 *
 * Never: use Node APIs.
 */
import { Server } from '../../src/server.ts';
import { MemoryPlatform, type MemoryPlatformOptions } from '../../host-sim/memory-platform.ts';
import { loadMatcher } from '../../host-sim/matcher.ts';
import { conformanceApp } from './app.ts';
import type { ConformanceCase } from './cases.ts';

/** The result of one case. */
export interface CaseResult {
  /** Response bytes as latin1. */
  response: string;
  /** The server closed the connection. */
  closed: boolean;
  /** Slots still in use after the client went away. */
  slotsInUse: number;
}

/**
 * A server on a memory platform running the conformance app; `generated`:
 * routing with the generated matcher (as a board built by `chipweb build`
 * does) rather than the table walk; `platformOptions` for the platform
 * (e.g. sockets that take text, as Espruino's).
 */
export async function startConformanceServer(
  generated = false,
  platformOptions: MemoryPlatformOptions = {},
): Promise<{ platform: MemoryPlatform; server: Server }> {
  const platform = new MemoryPlatform(platformOptions);
  const app = conformanceApp();
  const routeMatcher = generated ? loadMatcher(app.compile().table) : undefined;
  if (generated && routeMatcher === undefined)
    throw new Error('conformance: no generated matcher for the conformance app');
  const server = new Server(app, platform, { slots: 2, slotSize: 2048, outputSize: 512, routeMatcher });
  await server.start();
  return { platform, server };
}

/** Sends the case's request and collects the answer once the server is quiet. */
export async function runCase(
  platform: MemoryPlatform,
  server: Server,
  testCase: ConformanceCase,
): Promise<CaseResult> {
  const client = platform.connect();
  client.send(testCase.request);
  // Async handlers settle in microtasks; let them run.
  for (let i = 0; i < 10; i++) await Promise.resolve();
  const response = client.takeText();
  const closed = client.closed;
  client.end();
  return { response, closed, slotsInUse: server.stats().slotsInUse };
}
