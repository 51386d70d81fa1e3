// Cuts a program's output into whole JPEGs: concatenated JPEGs (SOI…EOI, as `ffmpeg -f mjpeg` and
// `rpicam-vid --codec mjpeg` write them) or a multipart stream (`ffmpeg -f mpjpeg`, an HTTP camera's
// body), with or without Content-Length. It never copies: a JPEG is reported as the slices of the read
// chunks it lies in, so whoever builds frames decides whether (and where) to join them.
//
// The end of a JPEG is found by walking its marker segments and then scanning the entropy-coded data
// for a marker, not by searching for FF D9: an EXIF thumbnail inside APP1 has its own FF D9.

/** What the splitter found. */
export interface SplitterSink {
  /** One whole JPEG, SOI to EOI, as consecutive slices of the chunks pushed (one slice when it came in one read). */
  jpeg(pieces: Buffer[], length: number): void;
  /** Bytes that are not a JPEG: one call per broken frame or run of garbage. */
  invalid(reason: string): void;
}

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const MAX_HEADER_BYTES = 4096;

enum S {
  /** Between frames: skip line ends, then a part header ("--") or a JPEG (FF D8). */
  Idle,
  /** Idle saw FF; D8 starts a JPEG. */
  IdleFF,
  /** Skipping bytes that are neither, until FF D8 or a new line. */
  Garbage,
  GarbageFF,
  /** Collecting a multipart part header up to the blank line. */
  Header,
  /** A part body of known length. */
  Body,
  /** A part body without Content-Length: its first two bytes must be FF D8. */
  BodySoi0,
  BodySoi1,
  /** Inside a JPEG: expecting FF, then the marker byte. */
  Marker0,
  Marker1,
  /** The two length bytes of a marker segment. */
  Length0,
  Length1,
  /** The rest of a marker segment. */
  Skip,
  /** Entropy-coded data after SOS, and an FF seen in it. */
  Entropy,
  EntropyFF,
}

const SOI = Buffer.from([0xff, 0xd8]);

export class MjpegSplitter {
  private state = S.Idle;
  /** Slices of earlier chunks that belong to the frame being read. */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  /** Where the frame starts in the current chunk (-1: not in a frame, or it started in an earlier chunk). */
  private start = -1;
  private inFrame = false;
  private inGarbage = false;
  private header: number[] = [];
  private remaining = 0;
  private segmentLength = 0;
  private marker = 0;
  /** Set once the frame has a scan: EOI before any SOS is not a picture. */
  private sawScan = false;
  /** The segment being skipped is SOS: entropy-coded data follows it. */
  private skippingScanHeader = false;

  constructor(
    private readonly sink: SplitterSink,
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    this.start = this.inFrame ? 0 : -1;
    let i = 0;
    while (i < chunk.length) i = this.step(chunk, i);
    if (this.inFrame && this.start < chunk.length) {
      // Never an empty slice: one JPEG in one read must stay one slice.
      this.pieces.push(chunk.subarray(this.start));
      this.pieceBytes += chunk.length - this.start;
      if (this.pieceBytes > this.maxFrameBytes) {
        this.fail(`frame larger than ${this.maxFrameBytes} bytes`);
      }
    }
  }

  /** The stream ended: a frame cut short is invalid. */
  end(): void {
    if (this.inFrame || this.state === S.Header) this.fail('stream ended inside a frame');
    this.reset();
  }

  private reset(): void {
    this.state = S.Idle;
    this.pieces = [];
    this.pieceBytes = 0;
    this.inFrame = false;
    this.inGarbage = false;
    this.header = [];
  }

  /** Consumes bytes from `i` in the current state; returns where it stopped. */
  private step(c: Buffer, i: number): number {
    const b = c[i];
    switch (this.state) {
      case S.Idle:
        if (b === 0x0d || b === 0x0a) return i + 1;
        if (b === 0x2d) {
          this.header = [b];
          this.state = S.Header;
          return i + 1;
        }
        if (b === 0xff) {
          this.state = S.IdleFF;
          return i + 1;
        }
        return this.garbage(i, 'bytes that are neither a JPEG nor a multipart part');
      case S.IdleFF:
      case S.GarbageFF:
        if (b === 0xd8) {
          this.beginFrame(i - 1);
          this.state = S.Marker0;
          return i + 1;
        }
        this.state = S.Garbage;
        this.noteGarbage('bytes that are neither a JPEG nor a multipart part');
        return i;
      case S.Garbage: {
        // Resynchronise at a JPEG start or at a line that may be a part header.
        const ff = c.indexOf(0xff, i);
        const lf = c.indexOf(0x0a, i);
        if (ff < 0 && lf < 0) return c.length;
        if (lf >= 0 && (ff < 0 || lf < ff)) {
          this.state = S.Idle;
          return lf + 1;
        }
        this.state = S.GarbageFF;
        return ff + 1;
      }
      case S.Header:
        return this.headerByte(c, i);
      case S.Body: {
        const n = Math.min(this.remaining, c.length - i);
        this.remaining -= n;
        if (this.remaining === 0) this.endSizedBody(c, i + n);
        return i + n;
      }
      case S.BodySoi0:
        if (b !== 0xff) return this.broken(i, 'a part body that is not a JPEG');
        this.beginFrame(i);
        this.state = S.BodySoi1;
        return i + 1;
      case S.BodySoi1:
        if (b !== 0xd8) return this.broken(i, 'a part body that is not a JPEG');
        this.state = S.Marker0;
        return i + 1;
      case S.Marker0:
        if (b !== 0xff) return this.broken(i, 'a JPEG segment without a marker');
        this.state = S.Marker1;
        return i + 1;
      case S.Marker1:
        return this.markerByte(c, i, false);
      case S.Length0:
        this.segmentLength = b << 8;
        this.state = S.Length1;
        return i + 1;
      case S.Length1:
        this.segmentLength |= b;
        if (this.segmentLength < 2) return this.broken(i, 'a JPEG segment of impossible length');
        this.remaining = this.segmentLength - 2;
        this.skippingScanHeader = this.marker === 0xda;
        this.state = S.Skip;
        return this.afterSkip(i + 1);
      case S.Skip: {
        const n = Math.min(this.remaining, c.length - i);
        this.remaining -= n;
        return this.afterSkip(i + n);
      }
      case S.Entropy: {
        const ff = c.indexOf(0xff, i);
        if (ff < 0) return c.length;
        this.state = S.EntropyFF;
        return ff + 1;
      }
      case S.EntropyFF:
        return this.markerByte(c, i, true);
    }
  }

  /** The byte after an FF inside a JPEG (in the segment headers, or in entropy-coded data). */
  private markerByte(c: Buffer, i: number, inEntropy: boolean): number {
    const b = c[i];
    if (b === 0xff) return i + 1; // fill byte
    if (inEntropy && (b === 0x00 || (b >= 0xd0 && b <= 0xd7))) {
      // Stuffed FF or restart marker: still entropy-coded data.
      this.state = S.Entropy;
      return i + 1;
    }
    if (b === 0xd9) {
      if (!this.sawScan) return this.broken(i, 'a JPEG without image data');
      this.endFrame(c, i + 1);
      return i + 1;
    }
    if (b === 0xd8) {
      // A new JPEG starts before this one ended: this one was cut short (a program that restarted
      // its encoder, a dropped pipe buffer). Keep the new one.
      this.sink.invalid('a JPEG cut short by the next one');
      this.pieces = [SOI];
      this.pieceBytes = SOI.length;
      this.start = i + 1;
      this.sawScan = false;
      this.state = S.Marker0;
      return i + 1;
    }
    if (b === 0x01 || (b >= 0xd0 && b <= 0xd7)) {
      this.state = S.Marker0; // markers without a length
      return i + 1;
    }
    if (b === 0x00) return this.broken(i, 'a JPEG with a bad marker');
    this.marker = b;
    this.state = S.Length0;
    return i + 1;
  }

  private afterSkip(i: number): number {
    if (this.remaining > 0) return i;
    if (this.skippingScanHeader) {
      this.sawScan = true;
      this.state = S.Entropy;
    } else {
      this.state = S.Marker0;
    }
    return i;
  }

  private headerByte(c: Buffer, i: number): number {
    const h = this.header;
    h.push(c[i]);
    const n = h.length;
    if (n === 2 && h[1] !== 0x2d) {
      this.header = [];
      this.state = S.Garbage;
      this.noteGarbage('bytes that are neither a JPEG nor a multipart part');
      return i + 1;
    }
    if (n >= 4 && h[n - 1] === 0x0a && h[n - 2] === 0x0d && h[n - 3] === 0x0a && h[n - 4] === 0x0d) {
      this.header = [];
      this.startBody(Buffer.from(h).toString('latin1'), i + 1);
      return i + 1;
    }
    if (n > MAX_HEADER_BYTES) {
      this.header = [];
      this.state = S.Garbage;
      this.noteGarbage(`a multipart header longer than ${MAX_HEADER_BYTES} bytes`);
    }
    return i + 1;
  }

  /** A complete part header: take the body by its Content-Length, or find the JPEG's end. */
  private startBody(text: string, bodyStart: number): void {
    this.inGarbage = false;
    const m = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i.exec(text);
    if (!m) {
      this.state = S.BodySoi0;
      return;
    }
    const length = Number(m[1]);
    if (length > this.maxFrameBytes || length < 4) {
      this.sink.invalid(`a part of ${length} bytes`);
      this.state = S.Garbage;
      this.inGarbage = true;
      return;
    }
    this.remaining = length;
    this.inFrame = true;
    this.pieces = [];
    this.pieceBytes = 0;
    this.start = bodyStart;
    this.state = S.Body;
  }

  /** A JPEG starts at `at` in the current chunk (-1: its FF was the last byte of the previous one). */
  private beginFrame(at: number): void {
    this.inGarbage = false;
    this.inFrame = true;
    this.sawScan = false;
    this.pieces = [];
    this.pieceBytes = 0;
    if (at >= 0) {
      this.start = at;
    } else {
      // The FF was the last byte of the previous chunk.
      this.pieces.push(SOI.subarray(0, 1));
      this.pieceBytes = 1;
      this.start = 0;
    }
  }

  /** The pieces of the frame that ends at `end` of chunk `c`, and their length; back to Idle. */
  private takeFrame(c: Buffer, end: number): { pieces: Buffer[]; length: number } {
    const pieces = this.pieces;
    let length = this.pieceBytes;
    if (end > this.start) {
      pieces.push(c.subarray(this.start, end));
      length += end - this.start;
    }
    this.pieces = [];
    this.pieceBytes = 0;
    this.inFrame = false;
    this.state = S.Idle;
    return { pieces, length };
  }

  private endFrame(c: Buffer, end: number): void {
    const { pieces, length } = this.takeFrame(c, end);
    if (length > this.maxFrameBytes) this.sink.invalid(`frame larger than ${this.maxFrameBytes} bytes`);
    else this.sink.jpeg(pieces, length);
  }

  /** The end of a part whose length was given: it must hold one JPEG, SOI to EOI. */
  private endSizedBody(c: Buffer, end: number): void {
    const { pieces, length } = this.takeFrame(c, end);
    const byteAt = (k: number) => {
      // k from the start (k >= 0) or the end (k < 0), across pieces.
      let off = k >= 0 ? k : length + k;
      for (const p of pieces) {
        if (off < p.length) return p[off];
        off -= p.length;
      }
      return -1;
    };
    if (byteAt(0) === 0xff && byteAt(1) === 0xd8 && byteAt(-2) === 0xff && byteAt(-1) === 0xd9) this.sink.jpeg(pieces, length);
    else this.sink.invalid('a part body that is not a JPEG');
  }

  /** Drops the frame being read as broken and resynchronises from `i`. */
  private broken(i: number, reason: string): number {
    this.fail(reason);
    this.inGarbage = true;
    this.state = S.Garbage;
    return i;
  }

  private fail(reason: string): void {
    this.sink.invalid(reason);
    this.pieces = [];
    this.pieceBytes = 0;
    this.inFrame = false;
    this.inGarbage = true;
    this.state = S.Garbage;
  }

  private garbage(i: number, reason: string): number {
    this.state = S.Garbage;
    this.noteGarbage(reason);
    return i;
  }

  /** One invalid count per run of garbage, however long. */
  private noteGarbage(reason: string): void {
    if (this.inGarbage) return;
    this.inGarbage = true;
    this.sink.invalid(reason);
  }
}
