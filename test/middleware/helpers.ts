/**
 * Test helpers for middleware: an App served on the in-memory platform,
 * one request at a time, with the response parsed.
 *
 * Never: use real sockets or real time (the platform's clock is virtual).
 */
import type { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import type { MemoryClient } from '../../host-sim/memory-platform.ts';
import type { App } from '../../src/app.ts';
import type { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';
import { parseResponses } from '../hostile/responses.ts';
import { settle, startOnMemory } from '../support/memory-server.ts';
import type { ParsedResponse } from '../hostile/responses.ts';

/** A started server on a memory platform. */
export interface Bench {
  platform: MemoryPlatform;
  server: Server;
  /** Sends one raw request on a new connection and returns the parsed response. */
  request(raw: string, address?: string): Promise<ParsedResponse>;
  /** GET `path` with extra header lines. */
  get(path: string, headers?: string, address?: string): Promise<ParsedResponse>;
}

export { settle };

/** Starts `app` on a new memory platform. */
export async function start(app: App, options: ServerOptions = {}): Promise<Bench> {
  const { platform, server } = await startOnMemory(app, { slots: 4, slotSize: 2048, outputSize: 1024 }, options);
  const request = async (raw: string, address?: string) => {
    const client = platform.connect(address);
    client.send(raw);
    await settle();
    const parsed = parseResponses(client.takeText());
    client.end();
    if (parsed.responses.length !== 1) throw new Error(`expected one response, got ${parsed.responses.length}`);
    return parsed.responses[0];
  };
  return {
    platform,
    server,
    request,
    get: (path, headers = '', address) => request(`GET ${path} HTTP/1.1\r\nHost: d\r\n${headers}\r\n`, address),
  };
}

/** A raw GET on an open client. */
export function sendGet(client: MemoryClient, path: string, headers = ''): void {
  client.send(`GET ${path} HTTP/1.1\r\nHost: d\r\n${headers}\r\n`);
}
