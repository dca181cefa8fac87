// Agent-shaped request bodies for the benchmarks (issue 53): what a coding agent's turn carries — a system prompt,
// a score of tool schemas and the conversation so far, with tool calls and tool results — at a chosen size, in
// OpenAI's chat shape or Anthropic's messages shape. The tool schemas and system prompts are the ones Claude Code and
// opencode sent when their requests were captured (test/fixtures/clients/); the conversation is generated from a fixed
// seed, so every run sends the same bytes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BodyShape = 'openai' | 'anthropic';

/** The sweep's sizes: five words (the old benchmark's body), then agents' sizes; `requests`: how many a slice sends
 * at each (about a second's worth through a gateway on the development machine). */
export const BODY_SIZES = [
  { name: '5 words', bytes: 0, requests: 1000 },
  { name: '20 KB', bytes: 20 * 1024, requests: 600 },
  { name: '200 KB', bytes: 200 * 1024, requests: 160 },
  { name: '1 MB', bytes: 1024 * 1024, requests: 64 },
] as const;

export type BodySize = (typeof BODY_SIZES)[number];

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'clients');

interface Tool {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

interface Captured {
  system: string[];
  tools: Tool[];
}

type Json = Record<string, unknown>;

function bodyOf(file: string): Json {
  return (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { request: { body: Json } }).request.body;
}

/** Claude Code's and opencode's tools (21, ~30 KB) and system prompts, as captured. */
function captured(): Captured {
  const cc = bodyOf('claude-code-2.1.331/tool-2.json');
  const oc = bodyOf('opencode-1.18.33/tool-2.json');
  const tools: Tool[] = [];
  for (const t of cc['tools'] as Json[])
    if (t['defer_loading'] === undefined)
      tools.push({ name: String(t['name']), description: String(t['description']), schema: t['input_schema'] as Json });
  for (const t of oc['tools'] as { function: Json }[])
    tools.push({
      name: `oc_${String(t.function['name'])}`,
      description: String(t.function['description']),
      schema: t.function['parameters'] as Json,
    });
  const system = (cc['system'] as { text: string }[]).map((b) => b.text);
  system.push(String((oc['messages'] as Json[])[0]!['content']));
  return { system, tools };
}

let cache: Captured | undefined;

/** A fixed-seed generator (mulberry32): the same conversation on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the request route handler config key model token stream answer retry budget ledger test file function return const import export await async value error status path line build cache agent tool result call message'.split(
    ' ',
  );

/** Code-like lines of a file a tool read: what tool results mostly are. */
function fileText(next: () => number, bytes: number): string {
  let text = '';
  let n = 1;
  while (text.length < bytes) {
    const w = (): string => WORDS[Math.floor(next() * WORDS.length)]!;
    text += `${String(n++).padStart(5)}\t  const ${w()}${n} = ${w()}(${w()}, '${w()} ${w()}');\n`;
  }
  return text;
}

function sentence(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]!);
  return `${out.join(' ')}.`;
}

/** One exchange of the conversation in neutral form: the user's words, the assistant's call, the tool's result. */
interface Exchange {
  user: string;
  said: string;
  tool: string;
  args: Json;
  id: string;
  result: string;
}

function exchange(next: () => number, i: number, tools: readonly Tool[], resultBytes: number): Exchange {
  const tool = tools[i % tools.length]!;
  return {
    user: sentence(next, 8 + Math.floor(next() * 20)),
    said: sentence(next, 5 + Math.floor(next() * 15)),
    tool: tool.name,
    args: { file_path: `/home/user/project/src/${WORDS[i % WORDS.length]}-${i}.ts`, limit: 400 },
    id: `call_bench_${i}`,
    result: fileText(next, resultBytes),
  };
}

function openaiBody(model: string, stream: boolean, system: string, tools: Tool[], turns: Exchange[]): Json {
  const messages: Json[] = [{ role: 'system', content: system }];
  for (const t of turns)
    messages.push(
      { role: 'user', content: t.user },
      {
        role: 'assistant',
        content: t.said,
        tool_calls: [{ id: t.id, type: 'function', function: { name: t.tool, arguments: JSON.stringify(t.args) } }],
      },
      { role: 'tool', tool_call_id: t.id, content: t.result },
    );
  return {
    model,
    max_tokens: 1024,
    ...(stream ? { stream: true } : {}),
    messages,
    tools: tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.schema },
    })),
  };
}

function anthropicBody(model: string, stream: boolean, system: string, tools: Tool[], turns: Exchange[]): Json {
  const messages: Json[] = [];
  for (const [i, t] of turns.entries()) {
    const before =
      i === 0 ? [] : [{ type: 'tool_result', tool_use_id: turns[i - 1]!.id, content: turns[i - 1]!.result }];
    messages.push(
      { role: 'user', content: [...before, { type: 'text', text: t.user }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: t.said },
          { type: 'tool_use', id: t.id, name: t.tool, input: t.args },
        ],
      },
    );
  }
  const last = turns.at(-1);
  if (last !== undefined)
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: last.id, content: last.result }] });
  return {
    model,
    max_tokens: 1024,
    ...(stream ? { stream: true } : {}),
    system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
    messages,
    tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.schema })),
  };
}

function fiveWords(model: string, stream: boolean): Json {
  return {
    model,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: 'user', content: 'Say hello in five words.' }],
    max_tokens: 16,
  };
}

/** An agent's request of about `size.bytes` (five words for 0) in `shape`, naming `model`. The same arguments give the
 * same bytes. */
export function agentBody(shape: BodyShape, size: Pick<BodySize, 'bytes'>, model: string, stream = false): string {
  if (size.bytes === 0) return JSON.stringify(fiveWords(model, stream));
  cache ??= captured();
  // A small body keeps a share of the tools and of the system prompt; from 200 KB on, all of them.
  const share = Math.min(1, size.bytes / (200 * 1024));
  const toolBudget = 30_000 * Math.max(share, 0.3);
  const tools: Tool[] = [];
  let toolBytes = 0;
  for (const t of cache.tools) {
    const bytes = JSON.stringify(t).length;
    if (tools.length > 0 && toolBytes + bytes > toolBudget) break;
    tools.push(t);
    toolBytes += bytes;
  }
  const system = cache.system.join('\n\n').slice(0, Math.max(2_000, Math.floor(12_000 * share)));
  const next = random(53);
  const build = (turns: Exchange[]): string =>
    JSON.stringify(
      shape === 'openai'
        ? openaiBody(model, stream, system, tools, turns)
        : anthropicBody(model, stream, system, tools, turns),
    );
  const turns: Exchange[] = [];
  let body = build(turns);
  // Each exchange about 1–6 KB (a tool result is most of it): turns are added until the body is big enough.
  while (body.length < size.bytes) {
    const room = size.bytes - body.length;
    turns.push(exchange(next, turns.length, tools, Math.min(room, 800 + Math.floor(next() * 5_000))));
    body = build(turns);
  }
  return body;
}
