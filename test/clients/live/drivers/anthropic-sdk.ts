// The official `@anthropic-ai/sdk` against the gateway: messages.create, the stream helper, beta toolRunner, a beta
// thread (the SDK holds the history itself once the gateway says it keeps none), countTokens, and a failure.
//   node drivers/anthropic-sdk.ts <case>
import Anthropic from '@anthropic-ai/sdk';
import { betaZodTool } from '@anthropic-ai/sdk/helpers/beta/zod';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { z } from 'zod';
import { GATEWAY, KEY, MODEL, TOOL_PROMPT, WEATHER, runCase, weather } from './common.ts';

const client = new Anthropic({ baseURL: GATEWAY, apiKey: KEY });

function text(content: { type: string }[]): string {
  return content.map((b) => ('text' in b ? String(b.text) : '')).join('');
}

/** One plain request: the failure cases' call. */
async function hello(): Promise<string> {
  const done = await client.messages.create({
    model: MODEL,
    max_tokens: 256,
    messages: [{ role: 'user', content: 'hello from anthropic' }],
  });
  return text(done.content);
}

await runCase({
  messages: async () =>
    text(
      (
        await client.messages.create({
          model: MODEL,
          max_tokens: 256,
          messages: [{ role: 'user', content: 'hello from anthropic' }],
        })
      ).content,
    ),
  stream: async () => {
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'stream from anthropic' }],
    });
    let deltas = 0;
    stream.on('text', () => (deltas += 1));
    const done = await stream.finalMessage();
    return `${deltas} deltas: ${text(done.content)}`;
  },
  'tool-runner': async () => {
    const outputs: string[] = [];
    const runner = client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: 'user', content: TOOL_PROMPT }],
      tools: [
        betaZodTool({
          name: WEATHER.name,
          description: WEATHER.description,
          inputSchema: z.object({ city: z.string() }),
          run: (args) => {
            const out = weather(args);
            outputs.push(out);
            return out;
          },
        }),
      ],
    });
    const final = await runner.runUntilDone();
    return `tool results: ${outputs.join(' | ')}; final: ${text(final.content)}`;
  },
  // By default a thread throws the gateway's refusal (it keeps no conversation); told to, it sends the whole history.
  thread: async () => {
    const thread = client.beta.messages.thread({ model: MODEL, max_tokens: 256 });
    await thread.send({ role: 'user', content: 'my name is Ada' });
    return 'the first turn was answered';
  },
  'thread-unthreaded': async () => {
    const thread = client.beta.messages.thread({
      model: MODEL,
      max_tokens: 256,
      unsupportedRequestBehavior: 'continue_unthreaded',
    });
    await thread.send({ role: 'user', content: 'my name is Ada' });
    const second = await thread.send({ role: 'user', content: 'what is my name?' });
    return `second turn: ${text(second.content)}`;
  },
  'count-tokens': async () =>
    `input_tokens ${(await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'count these tokens' }] })).input_tokens}`,
  // Structured output as Anthropic's API takes it (`output_config.format`), parsed by the SDK.
  parse: async () => {
    const done = await client.messages.parse({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'rate this gateway as json' }],
      output_config: { format: zodOutputFormat(z.object({ title: z.string(), score: z.number() })) },
    });
    return `object ${JSON.stringify(done.parsed_output)}`;
  },
  error: hello,
  cooling: hello,
  badkey: hello,
  long: hello,
});
