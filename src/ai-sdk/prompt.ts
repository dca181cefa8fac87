// The AI SDK's prompt (V3 or V4 shapes) → our canonical messages. What cannot be carried (a PDF, a provider-executed
// tool) is refused in the SDK's terms before anything is sent; unsigned reasoning is left out with a warning.
import type { ChatMessage, ContentPart, ThinkingPart, ToolCall } from '../providers/types.ts';
import { needsParts, textOfParts } from '../providers/translate/parts.ts';
import { UnsupportedFunctionalityError } from './sdk-errors.ts';
import type {
  FileData,
  FilePart,
  PromptMessage,
  ProviderOptions,
  ReasoningPart,
  ToolResultOutput,
  ToolResultPart,
  Warning,
} from './spec-types.ts';

/** Where this provider keeps its own per-part metadata (a thinking block's signature), in and out. */
export const OWN_KEY = 'switchyard';

export function toChatMessages(prompt: readonly PromptMessage[], warnings: Warning[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of prompt) {
    if (m.role === 'system') out.push({ role: 'system', content: m.content });
    else if (m.role === 'user') out.push(userMessage(m.content));
    else if (m.role === 'assistant') out.push(...assistantMessages(m.content, warnings));
    else for (const part of m.content) out.push(toolMessage(part));
  }
  return out;
}

function withParts(role: 'user' | 'assistant', parts: ContentPart[]): ChatMessage {
  const message: ChatMessage = { role, content: textOfParts(parts) };
  if (needsParts(parts)) message.parts = parts;
  return message;
}

function userMessage(content: Extract<PromptMessage, { role: 'user' }>['content']): ChatMessage {
  const parts: ContentPart[] = content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : image(p)));
  return withParts('user', parts);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** An image file part as a data: or http(s) URL, as our messages carry images. */
function image(p: FilePart): ContentPart {
  if (!p.mediaType.startsWith('image/'))
    throw new UnsupportedFunctionalityError(
      `file part of type ${p.mediaType}`,
      `switchyard sends images, not files of type ${p.mediaType}: send the file's text as a text part instead`,
    );
  const url = imageUrl(p.data, p.mediaType === 'image/*' ? 'image/png' : p.mediaType);
  return { type: 'image', url };
}

function imageUrl(data: FileData, mediaType: string): string {
  if (data instanceof URL) return data.href;
  if (data instanceof Uint8Array) return `data:${mediaType};base64,${base64(data)}`;
  if (typeof data === 'string') return /^(https?|data):/.test(data) ? data : `data:${mediaType};base64,${data}`;
  if (data.type === 'url') return data.url.href;
  if (data.type === 'data') return imageUrl(data.data, mediaType);
  throw new UnsupportedFunctionalityError(
    `file data of type ${data.type}`,
    `switchyard sends images as bytes, base64 or URLs, not as a provider ${data.type === 'reference' ? 'file reference' : 'text file'}`,
  );
}

function ownOptions(options: ProviderOptions | undefined): Readonly<Record<string, unknown>> {
  return options?.[OWN_KEY] ?? {};
}

/** A reasoning part we answered, with the signature or redacted data its provider needs to take it back. */
function thinking(p: ReasoningPart): ThinkingPart | undefined {
  const own = ownOptions(p.providerOptions);
  if (typeof own['redactedData'] === 'string') return { type: 'redacted_thinking', data: own['redactedData'] };
  if (typeof own['signature'] === 'string') return { type: 'thinking', thinking: p.text, signature: own['signature'] };
  return undefined;
}

function assistantMessages(
  content: Extract<PromptMessage, { role: 'assistant' }>['content'],
  warnings: Warning[],
): ChatMessage[] {
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const results: ChatMessage[] = [];
  for (const p of content) {
    if (p.type === 'text') parts.push({ type: 'text', text: p.text });
    else if (p.type === 'file') parts.push(image(p));
    else if (p.type === 'reasoning') {
      const block = thinking(p);
      if (block) parts.push(block);
      else if (p.text !== '')
        warnings.push({
          type: 'other',
          message: 'reasoning without a signature from switchyard is not sent back (a provider would refuse it)',
        });
    } else if (p.type === 'tool-call') {
      if (p.providerExecuted === true) throw providerExecuted(p.toolName);
      const args = typeof p.input === 'string' ? p.input : JSON.stringify(p.input ?? {});
      calls.push({ id: p.toolCallId, name: p.toolName, arguments: args });
    } else if (p.type === 'tool-result') results.push(toolMessage(p));
    else throw unsupportedPart(p.type);
  }
  const message = withParts('assistant', parts);
  if (calls.length > 0) {
    message.tool_calls = calls;
    if (message.content === '') message.content = null;
  }
  return [message, ...results];
}

function toolMessage(p: ToolResultPart | { type: string }): ChatMessage {
  if (p.type !== 'tool-result') throw unsupportedPart(p.type);
  const result = p as ToolResultPart;
  const { text, isError } = outputText(result.output);
  const message: ChatMessage = { role: 'tool', tool_call_id: result.toolCallId, content: text };
  if (isError) message.is_error = true;
  return message;
}

function outputText(output: ToolResultOutput): { text: string; isError: boolean } {
  switch (output.type) {
    case 'text':
      return { text: output.value, isError: false };
    case 'error-text':
      return { text: output.value, isError: true };
    case 'json':
      return { text: JSON.stringify(output.value), isError: false };
    case 'error-json':
      return { text: JSON.stringify(output.value), isError: true };
    case 'execution-denied':
      return { text: `The tool was not run: ${output.reason ?? 'the user denied it'}`, isError: true };
    case 'content': {
      const other = output.value.find((v) => v.type !== 'text');
      if (other) throw unsupportedPart(`tool result content of type ${other.type}`);
      return { text: output.value.map((v) => v.text ?? '').join(''), isError: false };
    }
  }
}

function providerExecuted(tool: string): UnsupportedFunctionalityError {
  return new UnsupportedFunctionalityError(
    'provider-executed tools',
    `tool ${tool} was run by a provider; switchyard routes across providers and runs no provider's own tools`,
  );
}

function unsupportedPart(type: string): UnsupportedFunctionalityError {
  return new UnsupportedFunctionalityError(type, `switchyard cannot send a ${type} part`);
}
