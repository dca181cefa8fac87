// The official `openai` package against the gateway: chat completions (create, the stream helper, runTools, parse)
// and the Responses API (create, stream, a function-call round trip), and a failure.
//   node drivers/openai-sdk.ts <case>
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { GATEWAY, KEY, MODEL, TOOL_PROMPT, WEATHER, runCase, weather } from './common.ts';

const client = new OpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: KEY });
const city = z.object({ city: z.string().describe('the city') });

await runCase({
  chat: async () =>
    (await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello from openai' }] }))
      .choices[0]?.message.content ?? '',
  'chat-stream': async () => {
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'stream from openai' }],
      stream_options: { include_usage: true },
    });
    let deltas = 0;
    stream.on('content.delta', () => (deltas += 1));
    const done = await stream.finalChatCompletion();
    return `${deltas} deltas: ${done.choices[0]?.message.content ?? ''}`;
  },
  'chat-tool': async () => {
    const outputs: string[] = [];
    const runner = client.chat.completions.runTools({
      model: MODEL,
      messages: [{ role: 'user', content: TOOL_PROMPT }],
      tools: [
        zodFunction({
          name: WEATHER.name,
          description: WEATHER.description,
          parameters: city,
          function: (args: { city: string }) => {
            const out = weather(args);
            outputs.push(out);
            return out;
          },
        }),
      ],
    });
    const final = (await runner.finalContent()) ?? '';
    return `tool results: ${outputs.join(' | ')}; final: ${final}`;
  },
  parse: async () => {
    const done = await client.chat.completions.parse({
      model: MODEL,
      messages: [{ role: 'user', content: 'rate this gateway as json' }],
      response_format: zodResponseFormat(z.object({ title: z.string(), score: z.number() }), 'rating'),
    });
    return `object ${JSON.stringify(done.choices[0]?.message.parsed)}`;
  },
  // Responses' structured output (text.format json_schema), through the SDK's parse helper.
  'responses-parse': async () => {
    const done = await client.responses.parse({
      model: MODEL,
      input: 'rate this gateway as json',
      text: { format: zodTextFormat(z.object({ title: z.string(), score: z.number() }), 'rating') },
    });
    return `object ${JSON.stringify(done.output_parsed)}`;
  },
  responses: async () =>
    (await client.responses.create({ model: MODEL, input: 'hello from openai responses' })).output_text,
  'responses-stream': async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'stream from openai responses' });
    let deltas = 0;
    stream.on('response.output_text.delta', () => (deltas += 1));
    const done = await stream.finalResponse();
    return `${deltas} deltas: ${done.output_text}`;
  },
  'responses-tool': async () => {
    const tools = [
      {
        type: 'function' as const,
        name: WEATHER.name,
        description: WEATHER.description,
        parameters: WEATHER.parameters,
        strict: true,
      },
    ];
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: TOOL_PROMPT }];
    const first = await client.responses.create({ model: MODEL, input, tools });
    const outputs: string[] = [];
    for (const item of first.output) {
      input.push(item as OpenAI.Responses.ResponseInputItem);
      if (item.type !== 'function_call') continue;
      const out = weather(city.parse(JSON.parse(item.arguments)));
      outputs.push(out);
      input.push({ type: 'function_call_output', call_id: item.call_id, output: out });
    }
    const final = await client.responses.create({ model: MODEL, input, tools });
    return `tool results: ${outputs.join(' | ')}; final: ${final.output_text}`;
  },
  error: async () =>
    (await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello from openai' }] }))
      .choices[0]?.message.content ?? '',
  cooling: async () =>
    (await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello from openai' }] }))
      .choices[0]?.message.content ?? '',
  badkey: async () =>
    (await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello from openai' }] }))
      .choices[0]?.message.content ?? '',
  long: async () =>
    (await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello from openai' }] }))
      .choices[0]?.message.content ?? '',
});
