// A bounded load of chat requests on a gateway, for tests that count what clients received against what the ledger
// kept: each answer's request id and when it arrived.

const CONCURRENT = 8;

/** An answer the client received: its request id, and when. */
export interface Answer {
  id: string;
  at: number;
}

/** `count` requests, `concurrent` at a time; each answer received (status 200, body read) is added to `into` as it
 * arrives. */
export async function load(url: string, count: number, into: Answer[], concurrent = CONCURRENT): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      }).catch(() => undefined);
      if (res === undefined) return;
      const body = await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200 && body !== undefined) into.push({ id: res.headers.get('x-request-id')!, at: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: concurrent }, worker));
}
