/**
 * A Server on a fresh in-memory platform (virtual clock, clients in the
 * same process), and a way to let async chains settle, for the tests that
 * drive the server byte by byte.
 */
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import type { MemoryPlatformOptions } from '../../host-sim/memory-platform.ts';
import type { App } from '../../src/app.ts';
import { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';

/** Starts `app` on a new memory platform; `defaults` sit under `options`. */
export async function startOnMemory(
  app: App,
  defaults: ServerOptions,
  options: ServerOptions = {},
  platformOptions: MemoryPlatformOptions = {},
): Promise<{ platform: MemoryPlatform; server: Server }> {
  const platform = new MemoryPlatform(platformOptions);
  const server = new Server(app, platform, { ...defaults, ...options });
  await server.start();
  return { platform, server };
}

/** Lets pending promise callbacks run (async chains settle in microtasks). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
