/**
 * The captive portal's DNS server on the board: an ECMA-419 UDP socket
 * (`embedded:io/socket/udp`, modules/io/socket/lwip/udp.c) on port 53,
 * every query answered by the core's answerer (src/dns/answer.ts) with the
 * access point's address. BoardDevice starts it with the access point and
 * stops it when the station joins a network.
 *
 * Chosen over the SDK's `dns/server` module (modules/network/dns/
 * dnsserver.js), which builds strings and arrays per query, answers A
 * questions only and stays silent on everything else (a client then waits
 * for its timeout on every AAAA).
 *
 * What it allocates per query is what the transport needs: read() returns a
 * new ArrayBuffer per datagram and a view is needed to read it. Replies go
 * out through views of one reply buffer, made once per reply length.
 *
 * Never: allocate at module load (preloaded); let an exception escape the
 * socket callback.
 */
import UDP from 'embedded:io/socket/udp';
import { answerDns, DNS_REPLY_BYTES, parseIPv4 } from '../../src/dns/answer.ts';

/** The DNS server of the setup access point. */
export class CaptiveDns {
  private socket: UDP | undefined;
  private readonly address = new Uint8Array(4);
  private reply: Uint8Array | undefined;
  /** Views of `reply` at offset 0, by length, made on first use. */
  private views: (Uint8Array | undefined)[] = [];
  /** Queries answered. */
  answered = 0;

  constructor(
    private readonly log: (message: string) => void,
    private readonly ttl = 60,
  ) {}

  /** Answers every name with `ip` on UDP `port` (53); false (after logging why) when it cannot. */
  start(ip: string, port = 53): boolean {
    this.stop();
    if (!parseIPv4(ip, this.address)) {
      this.log(`chipweb: captive DNS: not an IPv4 address: ${ip}`);
      return false;
    }
    if (this.reply === undefined) this.reply = new Uint8Array(DNS_REPLY_BYTES);
    const self = this;
    try {
      this.socket = new UDP({
        port,
        onReadable(count: number) {
          self.drain(this, count);
        },
      });
    } catch (error) {
      this.log(
        `chipweb: captive DNS: cannot listen on UDP ${port}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
    return true;
  }

  /** Stops answering. */
  stop(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      try {
        socket.close();
      } catch {
        // already closed with the network
      }
    }
  }

  private drain(socket: UDP, count: number): void {
    const reply = this.reply as Uint8Array;
    for (let i = 0; i < count; i++) {
      try {
        const packet = socket.read();
        if (packet === undefined) return;
        const n = answerDns(new Uint8Array(packet), 0, packet.byteLength, reply, this.address, this.ttl);
        if (n === 0) continue;
        let view = this.views[n];
        if (view === undefined) {
          view = reply.subarray(0, n);
          this.views[n] = view;
        }
        socket.write(view, packet.address, packet.port);
        this.answered++;
      } catch (error) {
        this.log(`chipweb: captive DNS: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
