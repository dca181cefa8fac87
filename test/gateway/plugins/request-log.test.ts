// The request line's `upstream`: a lone attempt's text is kept from the line before when it went the same way, and
// made anew when anything it shows differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeRequestLine } from '../../../src/gateway/plugins/request-log.ts';
import type { GatewayContext } from '../../../src/gateway/context.ts';
import type { RequestRecord } from '../../../src/gateway/records/request-record.ts';
import type { Attempt } from '../../../src/calls/types.ts';
import type { LineFields, RawJson } from '../../../src/log.ts';
import { requestRecord } from '../../helpers/request-record.ts';

function attempt(over: Partial<Attempt> = {}): Attempt {
  return {
    route: 'oa/gpt-4o',
    provider: 'oa',
    model: 'gpt-4o',
    credential: { fingerprint: 'fp1', masked: 'sk-…0001', sources: [], from: [] },
    outcome: 'ok',
    status: 200,
    latency_ms: 1,
    wait_ms: 0,
    started_at: 0,
    ...over,
  };
}

const record = (trail: Attempt[]): RequestRecord =>
  requestRecord({ route: trail.at(-1)?.route, attempts: trail.length, trail });

test("a lone attempt's upstream is the line before's only when route, key, outcome and status are the same", () => {
  const lines: LineFields[] = [];
  const ctx = {
    requestLine: (_level: string, fields: LineFields) => void lines.push(fields),
  } as unknown as GatewayContext;
  const key2 = { fingerprint: 'fp2', masked: 'sk-…0002', sources: [], from: [] };
  const trails = [
    [attempt()],
    [attempt()],
    [attempt({ credential: key2 })],
    [attempt({ credential: { ...key2, masked: 'sk-…0003' } })],
    [attempt({ outcome: 'server', status: 500 })],
    [attempt({ status: 201 })],
    [attempt({ route: 'oa/gpt-4o-mini' })],
    [attempt({ note: 're-minted after 401' })],
    [attempt(), attempt({ credential: key2 })],
    [attempt()],
  ];
  for (const trail of trails) writeRequestLine(ctx, record(trail));
  const upstream = lines.map((l) => JSON.parse((l['upstream'] as RawJson).json) as Record<string, unknown>[]);
  const shown = (e: Record<string, unknown>) => [
    e['route'],
    e['credential'],
    e['key'],
    e['outcome'],
    e['status'],
    e['note'],
  ];
  assert.deepEqual(
    upstream.map((list) => list.map(shown)),
    trails.map((trail) =>
      trail.map((a) => [a.route, a.credential?.fingerprint, a.credential?.masked, a.outcome, a.status, a.note]),
    ),
  );
  // The second line's text is the first's own object: the line writer knows it by identity.
  assert.equal(lines[1]!['upstream'], lines[0]!['upstream']);
});
