// The OpenAI Agents SDK (@openai/agents) against the gateway: an agent run with a function tool over the Responses
// API (its default), streamed, with the tool in a toolNamespace(), and over chat completions; a conversation of two
// runs over its Responses WebSocket session, over HTTP with previousResponseId, and over HTTP sending the history;
// and a failure.
//   node drivers/agents.ts <case>
import {
  Agent,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTracingDisabled,
  tool,
  toolNamespace,
  withResponsesWebSocketSession,
  type RunResult,
} from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { GATEWAY, KEY, MODEL, TOOL_PROMPT, runCase, weather } from './common.ts';

setTracingDisabled(true);
setDefaultOpenAIClient(new OpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: KEY }));

const weatherTool = tool({
  name: 'weather',
  description: 'The weather in a city',
  parameters: z.object({ city: z.string().describe('the city') }),
  execute: async (args) => weather(args),
});

function agent(tools = [weatherTool]): Agent {
  return new Agent({ name: 'switchyard-check', instructions: 'You answer briefly.', model: MODEL, tools });
}

async function toolRun(a: Agent): Promise<string> {
  const result = await run(a, TOOL_PROMPT);
  const outputs = result.newItems.filter((i) => i.type === 'tool_call_output_item').map((i) => String(i.output));
  return `tool results: ${outputs.join(' | ')}; final: ${String(result.finalOutput)}`;
}

/** The second turn of every conversation case: it needs the first's tool result to make sense. */
const NEXT_PROMPT = 'call weather for London too';

/** What a run did: its tool results and its final output. */
function said(result: RunResult<Agent, Agent>): string {
  const outputs = result.newItems.filter((i) => i.type === 'tool_call_output_item').map((i) => String(i.output));
  return `tool results: ${outputs.join(' | ')}; final: ${String(result.finalOutput)}`;
}

/** Two runs, the second continuing the first by `next` (previousResponseId, or the history sent again). */
async function conversation(
  runOnce: (input: Parameters<typeof run>[1], previousResponseId?: string) => Promise<RunResult<Agent, Agent>>,
  byHistory = false,
): Promise<string> {
  const first = await runOnce(TOOL_PROMPT);
  const second = byHistory
    ? await runOnce([...first.history, { role: 'user', content: NEXT_PROMPT }])
    : await runOnce(NEXT_PROMPT, first.lastResponseId);
  return `turn 1: ${said(first)}\nturn 2: ${said(second)}`;
}

/** A conversation whose main route fails after its first call (the world's fault): the first run, without tools, is
 * answered by it; the second, continuing by previousResponseId, by the fallback (the simulator's answers name their
 * model). */
async function failover(
  runOnce: (input: string, previousResponseId?: string) => Promise<RunResult<Agent, Agent>>,
): Promise<string> {
  const first = await runOnce('remember the number 7');
  const second = await runOnce(TOOL_PROMPT, first.lastResponseId);
  return `turn 1: ${String(first.finalOutput)}\nturn 2: ${said(second)}`;
}

const webSocketSession = { providerOptions: { apiKey: KEY, baseURL: `${GATEWAY}/v1` } };

await runCase({
  text: async () => String((await run(agent([]), 'hello from the Agents SDK')).finalOutput),
  stream: async () => {
    const result = await run(agent([]), 'stream from the Agents SDK', { stream: true });
    const parts: string[] = [];
    for await (const delta of result.toTextStream()) parts.push(delta);
    await result.completed;
    return `${parts.length} deltas: ${parts.join('')}`;
  },
  tool: () => toolRun(agent()),
  namespace: () =>
    toolRun(agent(toolNamespace({ name: 'forecast', description: 'Weather tools', tools: [weatherTool] }))),
  'chat-tool': async () => {
    setOpenAIAPI('chat_completions');
    return toolRun(agent());
  },
  // The SDK refuses a tool namespace on chat completions itself, before any request (docs/clients.md).
  'chat-namespace': async () => {
    setOpenAIAPI('chat_completions');
    return toolRun(agent(toolNamespace({ name: 'forecast', description: 'Weather tools', tools: [weatherTool] })));
  },
  // Its WebSocket session: one connection, the second run with previousResponseId on it.
  'ws-session': () =>
    withResponsesWebSocketSession(
      (session) =>
        conversation((input, previousResponseId) =>
          session.run(agent(), input, previousResponseId === undefined ? {} : { previousResponseId }),
        ),
      webSocketSession,
    ),
  'previous-response': () =>
    conversation((input, previousResponseId) =>
      run(agent(), input, previousResponseId === undefined ? {} : { previousResponseId }),
    ),
  history: () => conversation((input) => run(agent(), input), true),
  'previous-response-failover': () =>
    failover((input, previousResponseId) =>
      run(agent(), input, previousResponseId === undefined ? {} : { previousResponseId }),
    ),
  'ws-failover': () =>
    withResponsesWebSocketSession(
      (session) =>
        failover((input, previousResponseId) =>
          session.run(agent(), input, previousResponseId === undefined ? {} : { previousResponseId }),
        ),
      webSocketSession,
    ),
  error: async () => String((await run(agent([]), 'hello from the Agents SDK')).finalOutput),
  cooling: async () => String((await run(agent([]), 'hello from the Agents SDK')).finalOutput),
  badkey: async () => String((await run(agent([]), 'hello from the Agents SDK')).finalOutput),
  long: async () => String((await run(agent([]), 'hello from the Agents SDK')).finalOutput),
});
