// What a chat session needs from the router: the library's `chat()` (src/calls/types.ts contract). Declared
// structurally so a session can run over the in-process Switchyard or anything else with the same shape.
import type { ChatOptions, ChatSuccess, Disabled, StreamSuccess } from '../calls/types.ts';

export interface ChatBackend {
  chat(options: ChatOptions & { stream: true }): Promise<StreamSuccess | Disabled>;
  chat(options: ChatOptions & { stream?: false }): Promise<ChatSuccess | Disabled>;
}
