/**
 * The simulator's twin of the board's captive-portal DNS server
 * (firmware/moddable/dns.ts): node:dgram on a UDP port, every datagram
 * answered by the core's answerer (src/dns/answer.ts) with the address the
 * simulated access point has. `chipweb sim --first-boot` runs it on
 * --dns-port (53 needs root); `dig @127.0.0.1 -p PORT anything.example`
 * then answers with the simulator's address.
 *
 * Never: resolve anything for real; answer from anywhere but the core's answerer.
 */
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { answerDns, DNS_REPLY_BYTES, parseIPv4 } from '../src/dns/answer.ts';

/** Options of startDnsServer(). */
export interface DnsServerOptions {
  /** UDP port (0 picks a free one). */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** The IPv4 address every name resolves to. */
  address: string;
  /** TTL of the answers in seconds (default 60, short: the portal is temporary). */
  ttl?: number;
}

/** A running DNS twin. */
export interface DnsServer {
  /** The UDP port bound. */
  readonly port: number;
  /** Queries answered so far. */
  answered(): number;
  /** Stops it. */
  close(): Promise<void>;
}

/** Starts the DNS twin; rejects when the port cannot be bound (e.g. 53 without root). */
export function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const address = new Uint8Array(4);
  if (!parseIPv4(options.address, address)) return Promise.reject(new Error(`not an IPv4 address: ${options.address}`));
  const ttl = options.ttl ?? 60;
  const reply = new Uint8Array(DNS_REPLY_BYTES);
  let answered = 0;
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message: Buffer, from) => {
    const n = answerDns(message, 0, message.length, reply, address, ttl);
    if (n === 0) return;
    answered++;
    socket.send(reply.subarray(0, n), from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host ?? '127.0.0.1', () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // a failed send to a vanished client is not fatal
      resolve({
        port: (socket.address() as AddressInfo).port,
        answered: () => answered,
        close: () => new Promise((done) => socket.close(() => done())),
      });
    });
  });
}
