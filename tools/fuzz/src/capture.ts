import { Writable } from 'node:stream';

/** A pino destination that keeps every log line written to it, for the log invariants. */
export class LogCapture {
  /** The stream to hand to `buildApp({ logStream })`. */
  readonly stream: Writable;
  private readonly chunks: string[] = [];
  private offset = 0;

  constructor() {
    this.stream = new Writable({
      write: (chunk: Buffer | string, _encoding, done): void => {
        this.chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        done();
      },
    });
  }

  /** Everything logged so far. */
  text(): string {
    return this.chunks.join('');
  }

  /** What was logged since the previous call (the lines of one request). */
  takeNew(): string {
    const all = this.text();
    const fresh = all.slice(this.offset);
    this.offset = all.length;
    return fresh;
  }
}
