// A finished request's record (src/gateway/records/request-record.ts) for tests of its readers: a chat request
// answered on its first attempt, every field named, `over` changing what a test is about.
import type { RequestRecord } from '../../src/gateway/records/request-record.ts';

export function requestRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  const id = over.id ?? 'r';
  return {
    id,
    idJson: { json: JSON.stringify(id) },
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    api: 'openai',
    chat: true,
    clientKey: 'k',
    model: 'main',
    alias: undefined,
    task: 'main',
    route: 'p/m',
    routeLabel: 'p/m',
    credential: undefined,
    attempts: 1,
    trail: [],
    decisions: undefined,
    gaveUp: undefined,
    usage: undefined,
    row: undefined,
    outcome: 'ok',
    error: undefined,
    explained: undefined,
    failures: undefined,
    stream: false,
    streamEnd: undefined,
    ttftMs: undefined,
    ms: 1,
    upstreamMs: undefined,
    droppedTools: undefined,
    conversation: undefined,
    mcp: undefined,
    guard: undefined,
    ...over,
  };
}
