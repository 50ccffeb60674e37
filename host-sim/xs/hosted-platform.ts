/**
 * The in-memory Platform for an app running inside XS under
 * `chipweb sim --engine xs`: connections and the virtual clock as in
 * MemoryPlatform (driven by the host through driver.ts), while assets, the
 * persistent store and memory figures come from the Node host through the
 * worker's synchronous `issueCommand` (bridge.ts answers), so the app sees
 * the same files and store as under the Node engine.
 *
 * Host calls (first byte, then UTF-8 text): 'a' name → [1, bytes] or [0];
 * 'g' key → [1, value] or [0]; 's' key NUL value; 'd' key; 'm' → JSON
 * {"used","total"}.
 *
 * Runs inside XS. Never: call the host on the request path of a route that
 * does not ask for an asset, the store or memory figures.
 */
import { MemoryPlatform } from '../memory-platform.ts';
import type { MemoryStats } from '../../src/platform.ts';
import { decodeUtf8, encodeUtf8, TextScratch, utf8Length } from '../../src/http/text.ts';

declare function issueCommand(message: ArrayBuffer): ArrayBuffer;

function hostCall(op: number, text: string, extra?: string): Uint8Array {
  const a = utf8Length(text, 0);
  const b = extra === undefined ? 0 : 1 + utf8Length(extra, 0);
  const message = new Uint8Array(1 + a + b);
  message[0] = op;
  encodeUtf8(text, 0, message, 1, 1 + a, null);
  if (extra !== undefined) encodeUtf8(extra, 0, message, 2 + a, message.length, null);
  return new Uint8Array(issueCommand(message.buffer));
}

/** MemoryPlatform whose assets, store and memory figures are the Node host's. */
export class HostedPlatform extends MemoryPlatform {
  private readonly assetCache: { [name: string]: Uint8Array | null } = {};

  /** Decoding scratch for the host's replies. */
  private readonly text = new TextScratch();

  override asset(name: string): Uint8Array | undefined {
    let cached = this.assetCache[name];
    if (cached === undefined) {
      const reply = hostCall(0x61, name);
      cached = reply[0] === 1 ? reply.slice(1) : null;
      this.assetCache[name] = cached;
    }
    return cached === null ? undefined : cached;
  }

  override storeGet(key: string): string | undefined {
    const reply = hostCall(0x67, key);
    return reply[0] === 1 ? decodeUtf8(reply, 1, reply.length, this.text) : undefined;
  }

  override storeSet(key: string, value: string): void {
    hostCall(0x73, key, value);
  }

  override storeDelete(key: string): void {
    hostCall(0x64, key);
  }

  override memory(): MemoryStats {
    const reply = hostCall(0x6d, '');
    return JSON.parse(decodeUtf8(reply, 0, reply.length, this.text)) as MemoryStats;
  }
}
