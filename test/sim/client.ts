// Test helpers for talking to the simulator over real HTTP, as a client of each API would.
import { createParser } from 'eventsource-parser';
import { startSimulator, type SimulatorOptions } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export type Body = Record<string, unknown>;

/** Starts a simulator for one test and always closes it. */
export async function withSim<T>(
  scenario: SimulatorOptions['scenario'],
  fn: (sim: RunningSimulator) => Promise<T>,
): Promise<T> {
  await using sim = await startSimulator({ scenario });
  return await fn(sim);
}

export const userMessage = (text: string): Body => ({ role: 'user', content: text });

export async function openai(
  sim: RunningSimulator,
  key: string | undefined,
  body: Body,
  init: { signal?: AbortSignal } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['authorization'] = `Bearer ${key}`;
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...init,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function anthropic(
  sim: RunningSimulator,
  key: string | undefined,
  body: Body,
  init: { signal?: AbortSignal; version?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['x-api-key'] = key;
  if (init.version !== null) headers['anthropic-version'] = init.version ?? '2023-06-01';
  const res = await fetch(`${sim.url}/v1/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Sends a request and reads as much of the body as arrives before the connection fails. */
export async function readUntilFailure(
  url: string,
  headers: Record<string, string>,
  body: Body,
  signal?: AbortSignal,
  /** Told what has been received so far, after each chunk. */
  onReceived?: (received: string) => void,
): Promise<{ status?: number; received: string; error?: Error }> {
  let received = '';
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        received += decoder.decode(chunk, { stream: true });
        onReceived?.(received);
      }
    } catch (error) {
      return { status: res.status, received, error: error as Error };
    }
    return { status: res.status, received };
  } catch (error) {
    return { received, error: error as Error };
  }
}

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Parses an SSE body with a real SSE parser; throws if the text is not valid SSE framing. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (e) => events.push({ event: e.event, data: e.data }),
    onError: (err) => {
      throw err;
    },
  });
  parser.feed(text);
  return events;
}

export const parseJson = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;
