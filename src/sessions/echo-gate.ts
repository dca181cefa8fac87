// Gates readline's terminal output so the chat can mute the echo of typed keys while an answer streams: readline must
// keep reading (for Ctrl-C), and echoed keys would land in the streamed text.
import { Writable } from 'node:stream';

export class EchoGate extends Writable {
  /** Muted: what readline writes is dropped (its line and cursor are kept; the REPL redraws them). */
  muted = false;
  private readonly target: NodeJS.WritableStream;

  constructor(target: NodeJS.WritableStream) {
    super({ decodeStrings: false });
    this.target = target;
    // Readline wraps long lines by the terminal's width and redraws on a resize: both are the real terminal's.
    (target as NodeJS.WriteStream).on('resize', () => this.emit('resize'));
  }

  get columns(): number | undefined {
    return (this.target as Partial<NodeJS.WriteStream>).columns;
  }

  get rows(): number | undefined {
    return (this.target as Partial<NodeJS.WriteStream>).rows;
  }

  get isTTY(): boolean {
    return (this.target as Partial<NodeJS.WriteStream>).isTTY === true;
  }

  // Written through at once (the callback does not wait for the terminal), so readline's writes and the answer's,
  // which go straight to the terminal, stay in the order they were made, and closing the gate takes effect at once.
  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.muted) this.target.write(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    callback();
  }
}
