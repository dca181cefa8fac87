// The parts of the AI SDK's language model specification (LanguageModelV3 of `@ai-sdk/provider` 3.x, used by `ai` 6,
// and LanguageModelV4 of 4.x, used by `ai` 7) that this provider reads and writes, written out structurally so the
// package depends on neither major. Where the two differ, the input types take both shapes.

export type JsonValue = null | string | number | boolean | JsonObject | JsonValue[];
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

/** `providerMetadata` on a result or a part. */
export type ProviderRecord = Record<string, JsonObject>;

/** `providerOptions` on a call or a prompt part, only read (V4's values are readonly). */
export type ProviderOptions = Record<string, Readonly<Record<string, unknown>>>;

export type SpecificationVersion = 'v3' | 'v4';

// ---- What the SDK hands us -------------------------------------------------------------------------------------

/** V3: a Uint8Array, base64 text or a URL. V4: a tagged object. */
export type FileData =
  | Uint8Array
  | string
  | URL
  | { type: 'data'; data: Uint8Array | string }
  | { type: 'url'; url: URL }
  | { type: 'reference'; reference: unknown }
  | { type: 'text'; text: string };

export interface TextPart {
  type: 'text';
  text: string;
  providerOptions?: ProviderOptions;
}
export interface FilePart {
  type: 'file';
  data: FileData;
  mediaType: string;
  filename?: string;
  providerOptions?: ProviderOptions;
}
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  providerOptions?: ProviderOptions;
}
export interface ToolCallPart {
  type: 'tool-call';
  toolCallId: string;
  toolName: string;
  input: unknown;
  providerExecuted?: boolean;
  providerOptions?: ProviderOptions;
}
export type ToolResultOutput =
  | { type: 'text' | 'error-text'; value: string }
  | { type: 'json' | 'error-json'; value: unknown }
  | { type: 'execution-denied'; reason?: string }
  | { type: 'content'; value: Array<{ type: string; text?: string }> };
export interface ToolResultPart {
  type: 'tool-result';
  toolCallId: string;
  toolName: string;
  output: ToolResultOutput;
  providerOptions?: ProviderOptions;
}
/** Parts this provider has no use for (tool approvals, V4 custom and reasoning-file parts): refused or skipped. */
export interface OtherPart {
  type: 'tool-approval-response' | 'custom' | 'reasoning-file';
}

export type PromptMessage = (
  | { role: 'system'; content: string }
  | { role: 'user'; content: Array<TextPart | FilePart> }
  | {
      role: 'assistant';
      content: Array<TextPart | FilePart | ReasoningPart | ToolCallPart | ToolResultPart | OtherPart>;
    }
  | { role: 'tool'; content: Array<ToolResultPart | OtherPart> }
) & { providerOptions?: ProviderOptions };

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string;
  inputSchema: unknown;
  strict?: boolean;
}
export interface ProviderTool {
  type: 'provider';
  id: string;
  name: string;
}

export type ToolChoice = { type: 'auto' | 'none' | 'required' } | { type: 'tool'; toolName: string };

export interface CallOptions {
  prompt: PromptMessage[];
  maxOutputTokens?: number;
  temperature?: number;
  stopSequences?: string[];
  topP?: number;
  topK?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?: { type: 'text' } | { type: 'json'; schema?: unknown; name?: string; description?: string };
  seed?: number;
  tools?: Array<FunctionTool | ProviderTool>;
  toolChoice?: ToolChoice;
  includeRawChunks?: boolean;
  abortSignal?: AbortSignal;
  headers?: Record<string, string | undefined>;
  /** V4 only. */
  reasoning?: 'provider-default' | 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
  providerOptions?: ProviderOptions;
}

// ---- What we hand back -----------------------------------------------------------------------------------------

export type Warning =
  | { type: 'unsupported'; feature: string; details?: string }
  | { type: 'compatibility'; feature: string; details?: string }
  | { type: 'other'; message: string };

export interface Usage {
  inputTokens: {
    total: number | undefined;
    noCache: number | undefined;
    cacheRead: number | undefined;
    cacheWrite: number | undefined;
  };
  outputTokens: { total: number | undefined; text: number | undefined; reasoning: number | undefined };
  raw?: JsonObject;
}

export interface FinishReason {
  unified: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';
  raw: string | undefined;
}

export interface ResponseMetadata {
  id?: string;
  timestamp?: Date;
  modelId?: string;
}

export type Content =
  | { type: 'text'; text: string; providerMetadata?: ProviderRecord }
  | { type: 'reasoning'; text: string; providerMetadata?: ProviderRecord }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string; providerMetadata?: ProviderRecord };

export interface GenerateResult {
  content: Content[];
  finishReason: FinishReason;
  usage: Usage;
  providerMetadata?: ProviderRecord;
  request?: { body?: unknown };
  response?: ResponseMetadata & { headers?: Record<string, string>; body?: unknown };
  warnings: Warning[];
}

export type StreamPart =
  | { type: 'stream-start'; warnings: Warning[] }
  | ({ type: 'response-metadata' } & ResponseMetadata)
  | {
      type: 'text-start' | 'text-end' | 'reasoning-start' | 'reasoning-end';
      id: string;
      providerMetadata?: ProviderRecord;
    }
  | { type: 'text-delta' | 'reasoning-delta'; id: string; delta: string; providerMetadata?: ProviderRecord }
  | { type: 'tool-input-start'; id: string; toolName: string }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | { type: 'tool-input-end'; id: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string }
  | { type: 'finish'; usage: Usage; finishReason: FinishReason; providerMetadata?: ProviderRecord }
  | { type: 'error'; error: unknown };

export interface StreamResult {
  stream: ReadableStream<StreamPart>;
  request?: { body?: unknown };
  response?: { headers?: Record<string, string> };
}

/** What both faces share; each face fixes `specificationVersion`. */
export interface LanguageModelFace<V extends SpecificationVersion> {
  readonly specificationVersion: V;
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]>;
  doGenerate(options: CallOptions): PromiseLike<GenerateResult>;
  doStream(options: CallOptions): PromiseLike<StreamResult>;
}
