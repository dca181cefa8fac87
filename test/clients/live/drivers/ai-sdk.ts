// AI SDK (`ai` with @ai-sdk/openai — Responses and chat —, @ai-sdk/anthropic and @ai-sdk/openai-compatible) against
// the gateway: generateText, streamText, a tool round trip, generateObject, and what a failure looks like.
//   node drivers/ai-sdk.ts <provider>-<case>    e.g. openai-text, anthropic-tool, compatible-object
import { generateObject, generateText, isStepCount, streamText, tool, type LanguageModel } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { z } from 'zod';
import { GATEWAY, KEY, MODEL, TOOL_PROMPT, runCase, weather } from './common.ts';

const MODELS: Record<string, () => LanguageModel> = {
  openai: () => createOpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: KEY })(MODEL),
  chat: () => createOpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: KEY }).chat(MODEL),
  anthropic: () => createAnthropic({ baseURL: `${GATEWAY}/v1`, apiKey: KEY })(MODEL),
  // supportsStructuredOutputs: generateObject sends the schema (json_schema); without it, json_object and no schema.
  compatible: () =>
    createOpenAICompatible({
      name: 'switchyard',
      baseURL: `${GATEWAY}/v1`,
      apiKey: KEY,
      supportsStructuredOutputs: true,
    })(MODEL),
};

const weatherTool = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string().describe('the city') }),
  execute: async (args) => weather(args),
});

const CASES = {
  text: async (model: LanguageModel) => (await generateText({ model, prompt: 'hello from the AI SDK' })).text,
  stream: async (model: LanguageModel) => {
    const result = streamText({ model, prompt: 'stream from the AI SDK' });
    const parts: string[] = [];
    for await (const delta of result.textStream) parts.push(delta);
    return `${parts.length} deltas: ${parts.join('')}`;
  },
  tool: async (model: LanguageModel) => {
    const result = await generateText({
      model,
      prompt: TOOL_PROMPT,
      tools: { weather: weatherTool },
      stopWhen: isStepCount(3),
    });
    const outputs = result.steps.flatMap((s) => s.toolResults.map((r) => String(r.output)));
    return `tool results: ${outputs.join(' | ')}; final: ${result.text}`;
  },
  object: async (model: LanguageModel) => {
    const result = await generateObject({
      model,
      schema: z.object({ title: z.string(), score: z.number() }),
      prompt: 'rate this gateway as json',
    });
    return `object ${JSON.stringify(result.object)}`;
  },
  // Every route failing: what the caller is shown, after the SDK's own retries (maxRetries left at its default).
  error: async (model: LanguageModel) => (await generateText({ model, prompt: 'hello from the AI SDK' })).text,
  // Every key rate-limited: 503 with a Retry-After of a few seconds.
  cooling: async (model: LanguageModel) => (await generateText({ model, prompt: 'hello from the AI SDK' })).text,
  // A client key the gateway never issued, and every key cooling for a minute: answers no retry can change.
  badkey: async (model: LanguageModel) => (await generateText({ model, prompt: 'hello from the AI SDK' })).text,
  long: async (model: LanguageModel) => (await generateText({ model, prompt: 'hello from the AI SDK' })).text,
};

await runCase(
  Object.fromEntries(
    Object.entries(MODELS).flatMap(([provider, model]) =>
      Object.entries(CASES).map(([name, run]) => [`${provider}-${name}`, () => run(model())]),
    ),
  ),
);
