// Wraps the router so the demo can show the attempt trail of a call made deep inside a chat session or a
// compression: the last call's trail, whether it succeeded (result.trail) or failed (SwitchyardError.trail).
import type { ChatOptions, ChatSuccess, Disabled, StreamSuccess, Attempt } from '../../calls/types.ts';
import { SwitchyardError } from '../../routing/errors.ts';
import type { ChatBackend } from '../../sessions/backend.ts';

export interface RecordedCall {
  task: string;
  trail: Attempt[];
}

export class RecordingBackend implements ChatBackend {
  readonly calls: RecordedCall[] = [];
  private readonly inner: ChatBackend;

  constructor(inner: ChatBackend) {
    this.inner = inner;
  }

  /** The trail of the last call of a task (streams keep growing until they finish). */
  lastTrail(task: string): Attempt[] {
    return this.calls.filter((c) => c.task === task).at(-1)?.trail ?? [];
  }

  chat(options: ChatOptions & { stream: true }): Promise<StreamSuccess | Disabled>;
  chat(options: ChatOptions & { stream?: false }): Promise<ChatSuccess | Disabled>;
  async chat(options: ChatOptions & { stream?: boolean }): Promise<ChatSuccess | StreamSuccess | Disabled> {
    const task = options.task ?? 'main';
    try {
      const result = options.stream
        ? await this.inner.chat({ ...options, stream: true })
        : await this.inner.chat({ ...options, stream: false });
      this.calls.push({ task, trail: result.trail });
      return result;
    } catch (err) {
      this.calls.push({ task, trail: SwitchyardError.isInstance(err) ? err.trail : [] });
      throw err;
    }
  }
}
