// The same calls through `ai` 6 (V3 models) and `ai` 7 (V4 models), each major typed by its own package, so the
// type check proves that each face is a model its major accepts. Defaults everywhere (maxRetries included).
import * as ai6 from 'ai6';
import * as ai7 from 'ai7';
import { z } from 'zod';
import type { SwitchyardProvider } from '../../src/ai-sdk/index.ts';
import type { SpecificationVersion } from '../../src/ai-sdk/spec-types.ts';

export interface Part {
  type: string;
  [field: string]: unknown;
}

export interface TextRun {
  text: string;
  providerMetadata: unknown;
  usage: unknown;
}

export interface StreamRun {
  /** The full stream's parts, in order. */
  parts: Part[];
  text: string;
}

/** What a turn with messages gives back: enough to send the next turn. */
export interface Turn {
  text: string;
  reasoningText: string | undefined;
  /** The answer's messages, as the SDK keeps them for the next turn. */
  messages: unknown[];
  usage: {
    inputTokens: number | undefined;
    inputTokenDetails: { noCacheTokens?: number | undefined; cacheReadTokens?: number | undefined };
    outputTokens: number | undefined;
  };
  warnings: unknown[];
}

export interface TurnOptions {
  /** The system prompt (ai 6 `system`, ai 7 `instructions`). */
  system?: string;
  messages: unknown[];
  providerOptions?: Record<string, Record<string, unknown>>;
  maxOutputTokens?: number;
  headers?: Record<string, string>;
}

export interface Sdk {
  name: string;
  version: SpecificationVersion;
  isApiCallError(err: unknown): boolean;
  generateText(p: SwitchyardProvider<SpecificationVersion>, model: string, prompt: string): Promise<TextRun>;
  /** `abortAfter`: aborts the call at the first part of that type. */
  streamText(
    p: SwitchyardProvider<SpecificationVersion>,
    model: string,
    prompt: string,
    options?: { abortAfter?: string; weather?: boolean; signal?: AbortSignal },
  ): Promise<StreamRun>;
  /** generateText with the model taken from a provider registry (`switchyard:<model>`). */
  viaRegistry(p: SwitchyardProvider<SpecificationVersion>, model: string, prompt: string): Promise<TextRun>;
  /** generateText with messages (a conversation) and provider options. */
  turn(p: SwitchyardProvider<SpecificationVersion>, model: string, options: TurnOptions): Promise<Turn>;
  generateObject(p: SwitchyardProvider<SpecificationVersion>, model: string): Promise<{ city: string; days: number }>;
  streamObject(p: SwitchyardProvider<SpecificationVersion>, model: string): Promise<{ city: string; days: number }>;
}

const forecast = z.object({ city: z.string(), days: z.number() });
const weatherInput = z.object({ city: z.string() });

async function collect(
  stream: AsyncIterable<Part>,
  abortAfter: string | undefined,
  ctl: AbortController,
): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of stream) {
    parts.push(part);
    if (part.type === abortAfter) ctl.abort();
  }
  return parts;
}

const v3 = (p: SwitchyardProvider<SpecificationVersion>): SwitchyardProvider<'v3'> => p as SwitchyardProvider<'v3'>;
const v4 = (p: SwitchyardProvider<SpecificationVersion>): SwitchyardProvider<'v4'> => p as SwitchyardProvider<'v4'>;

export const AI6: Sdk = {
  name: 'ai 6',
  version: 'v3',
  isApiCallError: (err) => ai6.APICallError.isInstance(err),
  async generateText(p, model, prompt) {
    const r = await ai6.generateText({ model: v3(p)(model), prompt });
    return { text: r.text, providerMetadata: r.providerMetadata, usage: r.usage };
  },
  async streamText(p, model, prompt, options = {}) {
    const ctl = new AbortController();
    const r = ai6.streamText({
      model: v3(p)(model),
      prompt,
      abortSignal: options.signal ? AbortSignal.any([ctl.signal, options.signal]) : ctl.signal,
      onError: () => {},
      ...(options.weather
        ? {
            tools: {
              weather: ai6.tool({
                inputSchema: weatherInput,
                execute: async ({ city }) => ({ city, sky: 'clear' }),
              }),
            },
            stopWhen: ai6.stepCountIs(3),
          }
        : {}),
    });
    const parts = await collect(r.fullStream as AsyncIterable<Part>, options.abortAfter, ctl);
    return {
      parts,
      text: parts
        .filter((x) => x.type === 'text-delta')
        .map((x) => String(x['text']))
        .join(''),
    };
  },
  async viaRegistry(p, model, prompt) {
    const registry = ai6.createProviderRegistry({ switchyard: v3(p) });
    const r = await ai6.generateText({ model: registry.languageModel(`switchyard:${model}`), prompt });
    return { text: r.text, providerMetadata: r.providerMetadata, usage: r.usage };
  },
  async turn(p, model, options) {
    const r = await ai6.generateText({
      model: v3(p)(model),
      ...(options.system ? { system: options.system } : {}),
      messages: options.messages as ai6.ModelMessage[],
      ...(options.providerOptions ? { providerOptions: options.providerOptions as ai6.ProviderMetadata } : {}),
      ...(options.maxOutputTokens ? { maxOutputTokens: options.maxOutputTokens } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    return {
      text: r.text,
      reasoningText: r.reasoningText,
      messages: r.response.messages,
      usage: r.usage,
      warnings: r.warnings ?? [],
    };
  },
  async generateObject(p, model) {
    return (await ai6.generateObject({ model: v3(p)(model), schema: forecast, prompt: 'a forecast for Paris' })).object;
  },
  async streamObject(p, model) {
    const r = ai6.streamObject({ model: v3(p)(model), schema: forecast, prompt: 'a forecast for Oslo' });
    for await (const _ of r.partialObjectStream) void _;
    return await r.object;
  },
};

export const AI7: Sdk = {
  name: 'ai 7',
  version: 'v4',
  isApiCallError: (err) => ai7.APICallError.isInstance(err),
  async generateText(p, model, prompt) {
    const r = await ai7.generateText({ model: v4(p)(model), prompt });
    return { text: r.text, providerMetadata: r.providerMetadata, usage: r.usage };
  },
  async streamText(p, model, prompt, options = {}) {
    const ctl = new AbortController();
    const r = ai7.streamText({
      model: v4(p)(model),
      prompt,
      abortSignal: options.signal ? AbortSignal.any([ctl.signal, options.signal]) : ctl.signal,
      onError: () => {},
      ...(options.weather
        ? {
            tools: {
              weather: ai7.tool({
                inputSchema: weatherInput,
                execute: async ({ city }) => ({ city, sky: 'clear' }),
              }),
            },
            stopWhen: ai7.isStepCount(3),
          }
        : {}),
    });
    const parts = await collect(r.fullStream as AsyncIterable<Part>, options.abortAfter, ctl);
    return {
      parts,
      text: parts
        .filter((x) => x.type === 'text-delta')
        .map((x) => String(x['text']))
        .join(''),
    };
  },
  async viaRegistry(p, model, prompt) {
    const registry = ai7.createProviderRegistry({ switchyard: v4(p) });
    const r = await ai7.generateText({ model: registry.languageModel(`switchyard:${model}`), prompt });
    return { text: r.text, providerMetadata: r.providerMetadata, usage: r.usage };
  },
  async turn(p, model, options) {
    const r = await ai7.generateText({
      model: v4(p)(model),
      ...(options.system ? { instructions: options.system } : {}),
      messages: options.messages as ai7.ModelMessage[],
      ...(options.providerOptions ? { providerOptions: options.providerOptions as ai7.ProviderMetadata } : {}),
      ...(options.maxOutputTokens ? { maxOutputTokens: options.maxOutputTokens } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    return {
      text: r.text,
      reasoningText: r.reasoningText,
      messages: r.response.messages,
      usage: r.usage,
      warnings: r.warnings ?? [],
    };
  },
  // ai 7 deprecates generateObject/streamObject for an `output` setting on generateText/streamText: the way its
  // users ask for structured output now.
  async generateObject(p, model) {
    const r = await ai7.generateText({
      model: v4(p)(model),
      output: ai7.Output.object({ schema: forecast }),
      prompt: 'a forecast for Paris',
    });
    return r.output;
  },
  async streamObject(p, model) {
    const r = ai7.streamText({
      model: v4(p)(model),
      output: ai7.Output.object({ schema: forecast }),
      prompt: 'a forecast for Oslo',
    });
    for await (const _ of r.partialOutputStream) void _;
    return await r.output;
  },
};

export const SDKS: readonly Sdk[] = [AI6, AI7];
