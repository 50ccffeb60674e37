/**
 * The captive portal's DNS answerer (RFC 1035) over bytes: every host name
 * resolves to the device's own IPv4 address, so whatever a phone on the
 * setup access point opens reaches the setup page (docs/captive-portal.md).
 * The transport (firmware/moddable/dns.ts on the board, host-sim/dns.ts on
 * Node) hands it each datagram and sends back what it writes.
 *
 *   A or ANY question, class IN or ANY   NOERROR, one A record (the address)
 *   any other type (AAAA, MX, HTTPS, …)  NOERROR with no answer (the name
 *                                        exists, it has no such record)
 *   a name under arpa (reverse lookups)  NXDOMAIN: the device claims host
 *                                        names, not address zones
 *   another class (CHAOS, HESIOD)        NOTIMP
 *   an opcode other than QUERY           NOTIMP
 *   not exactly one question, a name     FORMERR
 *   that runs past the packet, a
 *   compression pointer in a question
 *   a response, or under 12 bytes        no reply (0)
 *
 * The reply carries the header (ID and RD copied, QR and AA set, RA clear),
 * the question as asked, and the answer; extra records of the query (EDNS
 * OPT) are not echoed.
 *
 * Never: allocate; read or write outside the spans given; answer a response
 * packet (no loops between two answerers).
 */
import { codeUnitAt } from '../http/text.ts';

/** Bytes a reply can take: a 512-byte query's question plus one A record. */
export const DNS_REPLY_BYTES = 512 + 16;
/** Largest query looked at (the classic UDP limit). */
export const DNS_QUERY_BYTES = 512;

/** RCODE (RFC 1035 4.1.1): no error. */
export const DNS_NOERROR = 0;
/** RCODE: the query could not be interpreted. */
export const DNS_FORMERR = 1;
/** RCODE: the name does not exist. */
export const DNS_NXDOMAIN = 3;
/** RCODE: this kind of query is not supported. */
export const DNS_NOTIMP = 4;

const TYPE_A = 1;
const TYPE_ANY = 255;
const CLASS_IN = 1;
const CLASS_ANY = 255;

/**
 * Writes the reply to the query in query[start..end) into out[0..) and
 * returns its length, or 0 when nothing must be sent. `address` holds the
 * IPv4 address (4 bytes at address[0..4)); `ttl` is in seconds.
 */
export function answerDns(
  query: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  address: Uint8Array,
  ttl: number,
): number {
  const length = end - start;
  if (length < 12 || length > DNS_QUERY_BYTES || out.length < DNS_REPLY_BYTES) return 0;
  const flags = query[start + 2];
  if (flags & 0x80) return 0; // a response: never answer it
  const opcode = (flags >> 3) & 15;
  const qdcount = (query[start + 4] << 8) | query[start + 5];
  if (opcode !== 0) return header(query, start, out, DNS_NOTIMP, 0, 0);
  if (qdcount !== 1) return header(query, start, out, DNS_FORMERR, 0, 0);

  // The question: QNAME (labels, no pointers), QTYPE, QCLASS.
  let p = start + 12;
  let nameLength = 0;
  let lastLabel = -1;
  for (;;) {
    if (p >= end) return header(query, start, out, DNS_FORMERR, 0, 0);
    const label = query[p];
    if (label === 0) break;
    if (label > 63) return header(query, start, out, DNS_FORMERR, 0, 0); // a pointer or a reserved form
    nameLength += label + 1;
    if (nameLength > 254 || p + 1 + label > end) return header(query, start, out, DNS_FORMERR, 0, 0);
    lastLabel = p;
    p += 1 + label;
  }
  p++; // the root label
  if (p + 4 > end) return header(query, start, out, DNS_FORMERR, 0, 0);
  const qtype = (query[p] << 8) | query[p + 1];
  const qclass = (query[p + 2] << 8) | query[p + 3];
  const questionEnd = p + 4;

  let rcode = DNS_NOERROR;
  let answers = 0;
  if (qclass !== CLASS_IN && qclass !== CLASS_ANY) rcode = DNS_NOTIMP;
  else if (lastLabel >= 0 && isArpa(query, lastLabel)) rcode = DNS_NXDOMAIN;
  else if (qtype === TYPE_A || qtype === TYPE_ANY) answers = 1;

  let n = header(query, start, out, rcode, 1, answers);
  for (let i = start + 12; i < questionEnd; i++) out[n++] = query[i];
  if (answers === 1) {
    out[n++] = 0xc0; // the name: a pointer to the question's, at offset 12
    out[n++] = 12;
    out[n++] = 0;
    out[n++] = TYPE_A;
    out[n++] = 0;
    out[n++] = CLASS_IN;
    out[n++] = (ttl >>> 24) & 255;
    out[n++] = (ttl >>> 16) & 255;
    out[n++] = (ttl >>> 8) & 255;
    out[n++] = ttl & 255;
    out[n++] = 0;
    out[n++] = 4;
    out[n++] = address[0];
    out[n++] = address[1];
    out[n++] = address[2];
    out[n++] = address[3];
  }
  return n;
}

/** Writes the reply header: ID and RD from the query, QR and AA set, the counts given. Returns 12. */
function header(
  query: Uint8Array,
  start: number,
  out: Uint8Array,
  rcode: number,
  questions: number,
  answers: number,
): number {
  out[0] = query[start];
  out[1] = query[start + 1];
  // QR=1, the query's opcode, AA=1, TC=0, RD as asked.
  out[2] = 0x80 | (query[start + 2] & 0x78) | 0x04 | (query[start + 2] & 0x01);
  out[3] = rcode; // RA=0, Z=0
  out[4] = 0;
  out[5] = questions;
  out[6] = 0;
  out[7] = answers;
  out[8] = 0;
  out[9] = 0;
  out[10] = 0;
  out[11] = 0;
  return 12;
}

/** Whether the label at `p` (length byte first) is "arpa", in any case. */
function isArpa(bytes: Uint8Array, p: number): boolean {
  return (
    bytes[p] === 4 &&
    (bytes[p + 1] | 0x20) === 97 &&
    (bytes[p + 2] | 0x20) === 114 &&
    (bytes[p + 3] | 0x20) === 112 &&
    (bytes[p + 4] | 0x20) === 97
  );
}

/**
 * Parses a dotted IPv4 address ("192.168.4.1") into out[0..4); false when
 * it is not one.
 */
export function parseIPv4(text: string, out: Uint8Array): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; ; i++) {
    const c = codeUnitAt(text, i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      if (value > 255 || digits > 3) return false;
    } else if (c === 46 || c !== c) {
      if (digits === 0 || part > 3) return false;
      out[part++] = value;
      value = 0;
      digits = 0;
      if (c !== c) return part === 4;
    } else return false;
  }
}
