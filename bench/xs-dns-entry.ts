/**
 * XS side of test/dns/xs.test.ts (kept in bench/ with the other XS entries): the DNS answerer over a query and a
 * reply buffer made once. Commands (first byte): 'a' answer the A query,
 * 'q' answer the AAAA query, 'n' nothing (the baseline). The reply is the
 * answer's length and bytes.
 *
 * Never: allocate in a measured command outside the code being measured.
 */
import { answerDns, DNS_REPLY_BYTES } from '../src/dns/answer.ts';

declare const globalThis: Record<string, unknown>;

function query(type: number): Uint8Array {
  const name = [7, 99, 97, 112, 116, 105, 118, 101, 5, 97, 112, 112, 108, 101, 3, 99, 111, 109, 0]; // captive.apple.com
  return new Uint8Array([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, type, 0, 1]);
}
const A = query(1);
const AAAA = query(28);
const address = new Uint8Array([192, 168, 4, 1]);
const out = new Uint8Array(DNS_REPLY_BYTES + 4);
const reply = out.subarray(4);
const length = new Int32Array(out.buffer, 0, 1);

globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const op = new Uint8Array(command)[0];
  if (op === 97) length[0] = answerDns(A, 0, A.length, reply, address, 60);
  else if (op === 113) length[0] = answerDns(AAAA, 0, AAAA.length, reply, address, 60);
  return out.buffer;
};
