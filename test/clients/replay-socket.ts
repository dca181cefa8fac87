// Replays a captured WebSocket (a SocketFixture: Codex's or the Agents SDK's Responses WebSocket mode) through a
// gateway: the upgrade with the captured headers (the redacted key becomes the gateway's), then each `response.create`
// the client sent, one after another, each continuing from what this replay was answered as the client would —
// `previous_response_id` the id of this replay's last response, a `call_id` this replay's call, a `compaction` item
// the one this replay was given. What each turn came to is said in the capture's terms (Turn), for the table to check.
import WebSocket from 'ws';
import { until } from '../helpers/until.ts';
import { REDACTED, type SocketFixture } from './fixture.ts';
import type { Gateway } from './replay.ts';

type Item = Record<string, unknown>;
type Event = Item & { type: string };

/** What a turn came to: a warm-up (`generate: false`), a reply, a tool call, a compaction, or an error event. */
export type TurnKind = 'warm-up' | 'reply' | 'tool_call' | 'compaction' | `error ${number}`;

export interface Turn {
  kind: TurnKind;
  /** The types of the response's output items (none for an error). */
  output: string[];
  /** Its last event, shortened, for a failing assertion to show. */
  last: string;
}

/** How long one turn may take before the replay gives up on it. */
const TURN_TIMEOUT_MS = 30_000;

export async function replaySocket(f: SocketFixture, gw: Gateway, model?: string): Promise<Turn[]> {
  const ws = await open(f, gw);
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  let previous: string | undefined;
  let callId: string | undefined;
  let compaction: Item | undefined;
  const turns: Turn[] = [];
  try {
    for (const frame of f.frames) {
      if (!('sent' in frame)) continue;
      const sent: Item = { ...frame.sent, ...(model === undefined ? {} : { model }) };
      if (sent['previous_response_id'] !== undefined) sent['previous_response_id'] = previous;
      if (Array.isArray(sent['input']))
        sent['input'] = (sent['input'] as Item[]).map((i) =>
          i['type'] === 'compaction' && compaction !== undefined
            ? compaction
            : i['call_id'] !== undefined && callId !== undefined
              ? { ...i, call_id: callId }
              : i,
        );
      const from = events.length;
      ws.send(JSON.stringify(sent));
      const end = await ended(events, from);
      const response = end['response'] as { id?: string; output?: Item[] } | undefined;
      const output = response?.output ?? [];
      turns.push({
        kind: kindOf(sent, end, output),
        output: output.map((i) => String(i['type'])),
        last: JSON.stringify(end).slice(0, 300),
      });
      if (response?.id !== undefined) previous = response.id;
      callId = (output.find((i) => 'call_id' in i)?.['call_id'] as string | undefined) ?? callId;
      compaction = output.find((i) => i['type'] === 'compaction') ?? compaction;
    }
  } finally {
    ws.close();
  }
  return turns;
}

/** What the capture's own turns came to, from the events it was answered: the same kinds as a replay's. */
export function capturedTurns(f: SocketFixture): TurnKind[] {
  const kinds: TurnKind[] = [];
  let answered: string[] | undefined;
  let sent: Item | undefined;
  const close = (): void => {
    if (sent !== undefined && answered !== undefined) kinds.push(capturedKind(sent, answered));
  };
  for (const frame of f.frames) {
    if ('sent' in frame) {
      close();
      sent = frame.sent;
      answered = [];
    } else answered?.push(frame.answered);
  }
  close();
  return kinds;
}

function capturedKind(sent: Item, answered: readonly string[]): TurnKind {
  const error = answered.find((a) => a.startsWith('error '));
  if (error !== undefined) return `error ${Number(error.split(' ')[1])}`;
  if (sent['generate'] === false) return 'warm-up';
  if (endsWithTrigger(sent)) return 'compaction';
  return answered.some((a) => /function_call_arguments|custom_tool_call_input/.test(a)) ? 'tool_call' : 'reply';
}

function kindOf(sent: Item, end: Event, output: readonly Item[]): TurnKind {
  if (end.type === 'error') return `error ${Number(end['status'])}`;
  if (sent['generate'] === false) return 'warm-up';
  if (output.some((i) => i['type'] === 'compaction')) return 'compaction';
  return output.some((i) => i['type'] === 'function_call' || i['type'] === 'custom_tool_call') ? 'tool_call' : 'reply';
}

const endsWithTrigger = (sent: Item): boolean =>
  Array.isArray(sent['input']) && (sent['input'].at(-1) as Item | undefined)?.['type'] === 'compaction_trigger';

async function open(f: SocketFixture, gw: Gateway): Promise<WebSocket> {
  const headers = Object.fromEntries(
    Object.entries(f.upgrade.headers).map(([k, v]) => [k, v.replace(REDACTED, gw.key)]),
  );
  const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}${f.upgrade.path}`, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return ws;
}

/** The turn's last event (completed, incomplete, failed or error), once it has come. */
async function ended(events: readonly Event[], from: number): Promise<Event> {
  const last = (): Event | undefined => events.slice(from).find((e) => ENDS.has(e.type));
  await until('the turn to end', () => last() !== undefined, TURN_TIMEOUT_MS);
  return last()!;
}

const ENDS = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);
