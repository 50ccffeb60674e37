/**
 * OtaSession: one over-the-air update at a time, from a streamed request
 * body into the platform's OtaTarget, with the image's SHA-256 checked
 * before the target is allowed to complete (docs/ota.md).
 *
 * The body arrives through a BodyReader, the shape of the server's
 * `c.readBody(onPiece)`: each piece is hashed (src/crypto/sha256.ts) and
 * written to the target where it sits in the slot. Two forms:
 *   receive()      the raw image as the body, its hash in a header
 *                  (X-Image-SHA256), as `chipweb ota` sends it;
 *   receiveForm()  a multipart/form-data upload from a browser: the image
 *                  in a file field, its hash in a header or a text field
 *                  (before or after the file: it is only needed at the end).
 *
 * Answers, as HttpError: 501 no target on this board, 409 an upload is
 * already running, 400 no or malformed hash / truncated or malformed body,
 * 413 larger than the update partition, 415/431 from the multipart parser,
 * 422 the hash does not match (or the target rejects the image). Every
 * failure cancels the target, so the running image stays the boot image.
 *
 * What an upload needs while it runs (the SHA-256 state, the hash buffers,
 * the multipart parser for a form, the piece callbacks: about 3 KB on a
 * board) is made when it starts and dropped when it ends, so a session
 * costs next to nothing between updates.
 *
 * Never: complete() an image whose hash was not checked; cancel an upload
 * this call did not start (a refused second upload must not end the first);
 * allocate per piece.
 */
import { HttpError } from '../context.ts';
import type { OtaTarget, Platform } from '../platform.ts';
import { SHA256_BYTES, Sha256 } from '../crypto/sha256.ts';
import { equalBytes, parseHex, parseHexString, toHex } from '../crypto/hex.ts';
import {
  MP_DATA,
  MP_END,
  MP_MORE,
  MP_PART,
  MP_PART_END,
  MultipartParser,
  multipartProblem,
  multipartStatus,
} from '../http/multipart.ts';

/** The request header that carries the image's SHA-256 (64 hex digits). */
export const SHA256_HEADER = 'X-Image-SHA256';

/** Receives each piece of a body as a span; the server's `c.readBody`. */
export type BodyReader = (
  onPiece: (bytes: Uint8Array, start: number, end: number) => void | Promise<void>,
) => Promise<void>;

/** Field names of a multipart upload. */
export interface OtaFormOptions {
  /** The file field holding the image (default "firmware"). */
  file?: string;
  /** The text field that may hold the SHA-256 in hex (default "sha256"). */
  hashField?: string;
}

/** What a successful update received. */
export interface OtaResult {
  /** Bytes of the image. */
  bytes: number;
  /** Its SHA-256, in hex. */
  sha256: string;
}

const NO_HASH = `give the image's SHA-256 (64 hex digits) in the ${SHA256_HEADER} header`;
/** Longest hash field accepted (64 digits, with room for spaces around). */
const HASH_FIELD_BYTES = 96;

/** The state of the upload that runs: made when it starts, dropped when it ends. */
class Upload {
  readonly hasher = new Sha256();
  readonly expected = new Uint8Array(SHA256_BYTES);
  readonly actual = new Uint8Array(SHA256_BYTES);
  readonly hashText = new Uint8Array(HASH_FIELD_BYTES);
  /** The form's parser (receiveForm only). */
  parser: MultipartParser | null = null;
}

/** One over-the-air update at a time into `target` (undefined: this board has none, 501). */
export class OtaSession {
  private readonly maxHeaderBytes: number;
  private active = false;
  private started = false;
  private hasExpected = false;
  private size = -1;
  private received = 0;
  private failure: HttpError | null = null;
  // Multipart state.
  private fileField = 'firmware';
  private hashField = 'sha256';
  private inFile = false;
  private inHash = false;
  private fileDone = false;
  private hashLength = 0;

  constructor(
    private readonly target: OtaTarget | undefined,
    options: { maxHeaderBytes?: number } = {},
  ) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    this.maxHeaderBytes = options.maxHeaderBytes ?? 512;
  }

  /** Whether this board can update itself. */
  get available(): boolean {
    return this.target !== undefined;
  }

  /** Whether an upload is running. */
  get busy(): boolean {
    return this.active;
  }

  /** Image bytes received by the running (or last) upload. */
  get progress(): number {
    return this.received;
  }

  /**
   * Receives a raw image body of `size` bytes (-1 when unknown, e.g.
   * chunked), whose SHA-256 is `sha256` (the X-Image-SHA256 header, 64 hex
   * digits), and completes the target. Rejects with an HttpError (see the
   * file comment); the target is then cancelled.
   */
  async receive(read: BodyReader, size: number, sha256: string | undefined): Promise<OtaResult> {
    const upload = this.claim(); // outside the try: a refused upload must not release the running one
    try {
      if (sha256 === undefined || !parseHexString(sha256, upload.expected, 0, SHA256_BYTES))
        throw new HttpError(400, sha256 === undefined ? NO_HASH : `${SHA256_HEADER} must be 64 hex digits`);
      this.hasExpected = true;
      this.start(size);
      await read((bytes, start, end) => this.write(upload, bytes, start, end));
      return this.finish(upload);
    } catch (error) {
      throw this.release(error);
    }
  }

  /**
   * Receives a multipart/form-data upload (Content-Type value `contentType`)
   * whose file field holds the image; the SHA-256 comes from `sha256` (a
   * header) or the hash field. Rejects with an HttpError; the target is
   * then cancelled.
   */
  async receiveForm(
    read: BodyReader,
    contentType: string | undefined,
    sha256: string | undefined,
    options: OtaFormOptions = {},
  ): Promise<OtaResult> {
    const upload = this.claim(); // outside the try: a refused upload must not release the running one
    try {
      const parser = new MultipartParser({ maxHeaderBytes: this.maxHeaderBytes });
      upload.parser = parser;
      const begun = parser.beginText(contentType ?? '');
      if (begun < 0) throw new HttpError(multipartStatus(begun), multipartProblem(begun));
      if (sha256 !== undefined) {
        if (!parseHexString(sha256, upload.expected, 0, SHA256_BYTES))
          throw new HttpError(400, `${SHA256_HEADER} must be 64 hex digits`);
        this.hasExpected = true;
      }
      this.fileField = options.file ?? 'firmware';
      this.hashField = options.hashField ?? 'sha256';
      this.inFile = false;
      this.inHash = false;
      this.fileDone = false;
      await read((bytes, start, end) => this.formBytes(upload, parser, bytes, start, end));
      const finished = parser.finish();
      if (finished < 0) throw new HttpError(multipartStatus(finished), multipartProblem(finished));
      if (!this.fileDone) throw new HttpError(400, `the form has no file field named "${this.fileField}"`);
      return this.finish(upload);
    } catch (error) {
      throw this.release(error);
    }
  }

  /** Restarts into the new image after `ms` (time for the answer to leave). */
  restartSoon(platform: Platform, ms: number): void {
    const target = this.target;
    if (target) platform.setTimer(() => target.restart(), ms, false);
  }

  /** Marks the session busy and makes the upload's state, or refuses (501 no target, 409 busy). */
  private claim(): Upload {
    if (this.target === undefined)
      throw new HttpError(501, 'this board cannot update itself over the air (no OTA partition): flash it by cable');
    if (this.active) throw new HttpError(409, 'an update is already being received; try again when it has finished');
    // Made before the session is marked busy: if the board is out of memory, this upload fails and the next may run.
    const upload = new Upload(); // held by the running receive() only: garbage once it ends
    this.active = true;
    this.started = false;
    this.hasExpected = false;
    this.failure = null;
    this.received = 0;
    this.size = -1;
    return upload;
  }

  /** Begins the target (413 when the image cannot fit). */
  private start(size: number): void {
    const target = this.target as OtaTarget;
    if (size > target.capacity)
      throw new HttpError(
        413,
        `the image (${size} bytes) is larger than the update partition (${target.capacity} bytes)`,
      );
    this.size = size;
    try {
      target.begin(size);
    } catch (error) {
      throw new HttpError(500, `the update could not start: ${message(error)}`);
    }
    this.started = true;
  }

  /** Hashes and stores one piece of the image; a failure is kept and thrown (the reader then stops). */
  private write(upload: Upload, bytes: Uint8Array, start: number, end: number): void {
    if (this.failure !== null) throw this.failure;
    const target = this.target as OtaTarget;
    const received = this.received + (end - start);
    if (received > target.capacity || (this.size >= 0 && received > this.size)) {
      this.failure =
        received > target.capacity
          ? new HttpError(413, `the image is larger than the update partition (${target.capacity} bytes)`)
          : new HttpError(400, `the body is longer than its Content-Length (${this.size})`);
      throw this.failure;
    }
    this.received = received;
    upload.hasher.update(bytes, start, end);
    try {
      target.write(bytes, start, end);
    } catch (error) {
      this.failure = new HttpError(500, `writing the image failed: ${message(error)}`);
      throw this.failure;
    }
  }

  /** One piece of a multipart body: parse it, write the file's data, keep the hash field. */
  private formBytes(upload: Upload, parser: MultipartParser, bytes: Uint8Array, start: number, end: number): void {
    if (this.failure !== null) throw this.failure;
    let p = start;
    for (;;) {
      const event = parser.step(bytes, p, end);
      p = parser.pos;
      if (event === MP_DATA) {
        if (this.inFile) this.write(upload, parser.data, parser.dataStart, parser.dataEnd);
        else if (this.inHash) this.keepHash(upload, parser.data, parser.dataStart, parser.dataEnd);
      } else if (event === MP_PART) {
        if (parser.partNameIs(this.fileField) && parser.isFile) {
          if (this.started || this.fileDone) this.fail(400, `the form has more than one "${this.fileField}" file`);
          this.start(-1);
          this.inFile = true;
        } else if (parser.partNameIs(this.hashField) && !this.hasExpected) {
          this.inHash = true;
          this.hashLength = 0;
        }
      } else if (event === MP_PART_END) {
        if (this.inFile) this.fileDone = true;
        if (this.inHash && !parseHex(upload.hashText, 0, this.hashLength, upload.expected, 0, SHA256_BYTES))
          this.fail(400, `the "${this.hashField}" field must be 64 hex digits`);
        if (this.inHash) this.hasExpected = true;
        this.inFile = false;
        this.inHash = false;
      } else if (event === MP_END || event === MP_MORE) {
        return;
      } else {
        this.fail(multipartStatus(event), multipartProblem(event));
      }
    }
  }

  /** Appends hash-field bytes (400 when longer than a hex digest can be). */
  private keepHash(upload: Upload, bytes: Uint8Array, start: number, end: number): void {
    if (this.hashLength + (end - start) > HASH_FIELD_BYTES)
      this.fail(400, `the "${this.hashField}" field must be 64 hex digits`);
    const text = upload.hashText;
    for (let i = start; i < end; i++) text[this.hashLength++] = bytes[i];
  }

  /** Checks the size and the hash, then completes the target. */
  private finish(upload: Upload): OtaResult {
    const target = this.target as OtaTarget;
    if (this.size >= 0 && this.received !== this.size)
      throw new HttpError(400, `the body ended after ${this.received} of ${this.size} bytes`);
    if (!this.hasExpected) throw new HttpError(400, NO_HASH + ' or a "sha256" form field');
    const actual = upload.actual;
    upload.hasher.digest(actual, 0);
    if (!equalBytes(actual, 0, upload.expected, 0, SHA256_BYTES))
      throw new HttpError(
        422,
        `the image's SHA-256 is ${toHex(actual, 0, SHA256_BYTES)}, not ${toHex(upload.expected, 0, SHA256_BYTES)}: the update was cancelled and the running firmware kept`,
      );
    try {
      target.complete();
    } catch (error) {
      throw new HttpError(422, `the device rejected the image: ${message(error)}; the running firmware was kept`);
    }
    this.started = false;
    this.active = false;
    return { bytes: this.received, sha256: toHex(actual, 0, SHA256_BYTES) };
  }

  private fail(status: number, text: string): never {
    this.failure = new HttpError(status, text);
    throw this.failure;
  }

  /**
   * After a failure: cancels the target when this upload began it, frees
   * the session, and returns the error to throw (the kept failure first: a
   * reader may report its own error after the callback threw).
   */
  private release(error: unknown): unknown {
    const reported = this.failure ?? error;
    if (this.started && this.target) {
      try {
        this.target.cancel();
      } catch {
        // Nothing more can be done; the boot image was never switched.
      }
    }
    this.started = false;
    this.active = false;
    this.failure = null;
    return reported;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
