// LangChain (@langchain/openai ChatOpenAI — chat completions and useResponsesApi — and @langchain/anthropic
// ChatAnthropic) against the gateway: invoke, stream, a tool round trip with bindTools, withStructuredOutput, and
// what a failure looks like.
//   node drivers/langchain.ts <model>-<case>    e.g. openai-text, responses-tool, anthropic-structured
import { ChatOpenAI } from '@langchain/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { GATEWAY, KEY, MODEL, TOOL_PROMPT, runCase, weather } from './common.ts';

const MODELS: Record<string, () => ChatOpenAI | ChatAnthropic> = {
  openai: () => new ChatOpenAI({ model: MODEL, apiKey: KEY, configuration: { baseURL: `${GATEWAY}/v1` } }),
  responses: () =>
    new ChatOpenAI({ model: MODEL, apiKey: KEY, configuration: { baseURL: `${GATEWAY}/v1` }, useResponsesApi: true }),
  anthropic: () => new ChatAnthropic({ model: MODEL, apiKey: KEY, anthropicApiUrl: GATEWAY }),
};

const weatherTool = tool(async (args: { city: string }) => weather(args), {
  name: 'weather',
  description: 'The weather in a city',
  schema: z.object({ city: z.string().describe('the city') }),
});

function text(message: BaseMessage): string {
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((p) => ('text' in p ? String(p.text) : '')).join('');
}

const CASES = {
  text: async (model: BaseChatModel) => text(await model.invoke('hello from LangChain')),
  stream: async (model: BaseChatModel) => {
    const parts: string[] = [];
    for await (const chunk of await model.stream('stream from LangChain')) parts.push(text(chunk));
    return `${parts.filter((p) => p !== '').length} deltas: ${parts.join('')}`;
  },
  tool: async (model: ChatOpenAI | ChatAnthropic) => {
    const withTools = model.bindTools([weatherTool]);
    const messages: BaseMessage[] = [new HumanMessage(TOOL_PROMPT)];
    const first = await withTools.invoke(messages);
    messages.push(first);
    const outputs: string[] = [];
    for (const call of first.tool_calls ?? []) {
      const output = String((await weatherTool.invoke(call)).content);
      outputs.push(output);
      messages.push(new ToolMessage({ content: output, tool_call_id: call.id ?? '' }));
    }
    const final = await withTools.invoke(messages);
    return `tool results: ${outputs.join(' | ')}; final: ${text(final)}`;
  },
  structured: async (model: BaseChatModel) => {
    const rating = await model
      .withStructuredOutput(z.object({ title: z.string(), score: z.number() }))
      .invoke('rate this gateway as json');
    return `object ${JSON.stringify(rating)}`;
  },
  error: async (model: BaseChatModel) => text(await model.invoke('hello from LangChain')),
  cooling: async (model: BaseChatModel) => text(await model.invoke('hello from LangChain')),
  badkey: async (model: BaseChatModel) => text(await model.invoke('hello from LangChain')),
  long: async (model: BaseChatModel) => text(await model.invoke('hello from LangChain')),
};

await runCase(
  Object.fromEntries(
    Object.entries(MODELS).flatMap(([name, model]) =>
      Object.entries(CASES).map(([c, run]) => [`${name}-${c}`, () => run(model())]),
    ),
  ),
);
