// The AI SDK provider through `ai` 6 and `ai` 7 with their default settings, against the simulator: answers, tool
// round trips, structured output, fallback before the first content, a cut after it, an abort, and no SDK retries
// on top of our ladder (counted in the simulator's call log).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SDKS, type Part } from './sdks.ts';
import { callsBy, world } from './world.ts';

const count = (parts: Part[], type: string): number => parts.filter((p) => p.type === type).length;

interface Trail {
  task: string;
  route: string;
  attempts: { route: string; outcome: string }[];
}

function trailOf(metadata: unknown): Trail {
  const own = (metadata as { switchyard?: Trail } | undefined)?.switchyard;
  assert.ok(own, 'providerMetadata.switchyard is there');
  return own;
}

for (const sdk of SDKS) {
  describe(`${sdk.name} (${sdk.version} models)`, () => {
    test('generateText answers from the main route, with the trail and nested usage', async () => {
      await using w = await world();
      const r = await sdk.generateText(w.provider(sdk.version), 'main', 'hello there');
      assert.equal(r.text, '[sim-large] reply to: hello there');
      const trail = trailOf(r.providerMetadata);
      assert.deepEqual(Object.keys(trail), ['task', 'route', 'provider', 'model', 'attempts']);
      assert.equal(trail.task, 'main');
      assert.equal(trail.route, 'primary/sim-large');
      assert.deepEqual(
        trail.attempts.map((a) => [a.route, a.outcome]),
        [['primary/sim-large', 'ok']],
      );
      const usage = r.usage as { inputTokens: number; outputTokens: number };
      assert.ok(usage.inputTokens > 0 && usage.outputTokens > 0, JSON.stringify(usage));
      assert.deepEqual(callsBy(w.sim), { primary: 1, backup: 0 });
    });

    test('a route model (provider/model) and an auxiliary task are models too', async () => {
      await using w = await world(
        {},
        { extra: 'auxiliary:\n  title_generation: { provider: backup, model: sim-large }' },
      );
      const p = w.provider(sdk.version);
      const routed = await sdk.generateText(p, 'backup/sim-small', 'hello');
      assert.equal(trailOf(routed.providerMetadata).route, 'backup/sim-small');
      const title = await sdk.generateText(p, 'title_generation', 'a title for: the tides of Brest');
      assert.equal(title.text, 'Sim title: the tides of Brest');
      assert.equal(trailOf(title.providerMetadata).task, 'title_generation');
      assert.throws(() => p('mian'), /switchyard has no model "mian": name a task \(main, title_generation/);
    });

    test('the provider goes into the SDK provider registry; it has no embedding or image models', async () => {
      await using w = await world();
      const p = w.provider(sdk.version);
      const r = await sdk.viaRegistry(p, 'backup/sim-small', 'hello');
      assert.equal(r.text, '[sim-small] reply to: hello');
      assert.throws(() => p.embeddingModel('e'), { name: 'AI_NoSuchModelError', modelType: 'embeddingModel' });
    });

    test('streamText falls back before the first content: one preamble, the backup answer, no SDK retry', async () => {
      await using w = await world({
        keys: { 'sk-primary-aisdk-000000001': { script: ['500', '500', '500'] }, 'sk-backup-aisdk-0000000001': {} },
      });
      const r = await sdk.streamText(w.provider(sdk.version), 'main', 'hello');
      assert.equal(r.text, '[sim-small] reply to: hello');
      assert.equal(count(r.parts, 'start-step'), 1);
      assert.equal(count(r.parts, 'text-start'), 1);
      assert.equal(count(r.parts, 'error'), 0);
      const finish = r.parts.find((p) => p.type === 'finish-step');
      const trail = trailOf(finish?.['providerMetadata']);
      assert.deepEqual(
        trail.attempts.map((a) => a.outcome),
        ['server', 'server', 'server', 'ok'],
      );
      assert.deepEqual(callsBy(w.sim), { primary: 3, backup: 1 });
    });

    test('a cut after the first content is an error part; nothing is replayed or sent elsewhere', async () => {
      await using w = await world({
        keys: { 'sk-primary-aisdk-000000001': { script: ['cut'] }, 'sk-backup-aisdk-0000000001': {} },
      });
      const r = await sdk.streamText(w.provider(sdk.version), 'main', 'hello there, a long enough prompt to stream');
      const errors = r.parts.filter((p) => p.type === 'error');
      assert.equal(errors.length, 1);
      const error = errors[0]!['error'];
      assert.ok(sdk.isApiCallError(error), String(error));
      assert.equal((error as { isRetryable: boolean }).isRetryable, false);
      assert.match(String((error as Error).message), /broke off after it had started/);
      assert.equal(count(r.parts, 'text-start'), 1);
      assert.ok(
        r.text.length > 0 && '[sim-large] reply to: hello there, a long enough prompt to stream'.startsWith(r.text),
      );
      assert.deepEqual(callsBy(w.sim), { primary: 1, backup: 0 });
    });

    test('the exhausted ladder is an APICallError with isRetryable false, and the SDK does not retry it', async () => {
      await using w = await world({
        keys: {
          'sk-primary-aisdk-000000001': { script: ['500', '500', '500'] },
          'sk-backup-aisdk-0000000001': { script: ['500', '500', '500'] },
        },
      });
      const err = await sdk.generateText(w.provider(sdk.version), 'main', 'hello').then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
      assert.ok(sdk.isApiCallError(err), String(err));
      const e = err as { isRetryable: boolean; message: string; statusCode: number; cause: { trail: unknown[] } };
      assert.equal(e.isRetryable, false);
      assert.equal(e.statusCode, 500);
      assert.match(e.message, /^main: every route failed/);
      assert.equal(e.cause.trail.length, 6);
      // ai's maxRetries is left at its default (2): three tries of the whole ladder would be 9 calls per key.
      assert.deepEqual(callsBy(w.sim), { primary: 3, backup: 3 });
    });

    test('streamText runs a tool round trip, the tool input streamed', async () => {
      await using w = await world();
      const r = await sdk.streamText(w.provider(sdk.version), 'main', 'call weather for Paris', { weather: true });
      assert.equal(count(r.parts, 'tool-input-start'), 1);
      assert.ok(count(r.parts, 'tool-input-delta') >= 1);
      const call = r.parts.find((p) => p.type === 'tool-call');
      assert.equal(call?.['toolName'], 'weather');
      assert.equal(typeof (call?.['input'] as { city?: unknown }).city, 'string');
      assert.equal(count(r.parts, 'tool-result'), 1);
      assert.match(r.text, /^\[sim-large\] got tool result: /);
      assert.deepEqual(callsBy(w.sim), { primary: 2, backup: 0 });
      assert.ok(w.sim.log().every((c) => c.stream));
    });

    test('structured output (generateObject, streamObject; Output.object on ai 7) sends the schema as response_format', async () => {
      await using w = await world();
      const p = w.provider(sdk.version);
      const made = await sdk.generateObject(p, 'main');
      assert.equal(typeof made.city, 'string');
      assert.equal(typeof made.days, 'number');
      const streamed = await sdk.streamObject(p, 'main');
      assert.equal(typeof streamed.city, 'string');
      assert.deepEqual(
        w.sim.log().map((c) => c.fields.includes('response_format')),
        [true, true],
      );
    });

    test('an abort mid-stream ends the call without counting against the key', async () => {
      await using w = await world({ stream_delay: '20ms' });
      const p = w.provider(sdk.version);
      const r = await sdk.streamText(p, 'main', 'hello there, a long enough prompt to stream', {
        abortAfter: 'text-delta',
      });
      assert.equal(count(r.parts, 'abort'), 1);
      assert.equal(count(r.parts, 'error'), 0);
      const key = p.switchyard.pool.candidates('primary')[0];
      assert.equal(key?.health.state, 'ok');
      assert.equal(key?.usable, true);
      const next = await sdk.generateText(p, 'main', 'again');
      assert.deepEqual(
        trailOf(next.providerMetadata).attempts.map((a) => a.outcome),
        ['ok'],
      );
    });
  });
}
