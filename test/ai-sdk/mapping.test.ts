// What crosses between the SDK's shapes and ours, through `ai` 6 and `ai` 7: Anthropic thinking out as reasoning and
// back in with its signature, prompt-cache and output usage in the SDK's nested usage, settings we cannot send said
// back as warnings, and what we cannot carry refused before anything is sent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ai7 from 'ai7';
import { SDKS } from './sdks.ts';
import { BACKUP_KEY, callsBy, PRIMARY_KEY, world } from './world.ts';

const THINKING = { switchyard: { thinking: { type: 'enabled', budget_tokens: 1024 } } };

for (const sdk of SDKS) {
  describe(`${sdk.name} (${sdk.version} models)`, () => {
    test('Anthropic thinking comes back as reasoning, and the next turn sends it back signed', async () => {
      await using w = await world();
      const p = w.provider(sdk.version);
      const first = await sdk.turn(p, 'backup/sim-small', {
        messages: [{ role: 'user', content: 'hello' }],
        providerOptions: THINKING,
        maxOutputTokens: 4096,
      });
      assert.equal(first.reasoningText, 'Thinking about the reply.');
      assert.equal(first.text, '[sim-small] reply to: hello');
      // The simulator refuses a thinking block whose signature it did not issue for that text (400, no fallback to
      // fix it): the second turn answering proves the block went back as it came.
      const second = await sdk.turn(p, 'backup/sim-small', {
        messages: [{ role: 'user', content: 'hello' }, ...first.messages, { role: 'user', content: 'and again' }],
        providerOptions: THINKING,
        maxOutputTokens: 4096,
      });
      assert.equal(second.text, '[sim-small] reply to: and again');
      assert.deepEqual(callsBy(w.sim), { primary: 0, backup: 2 });
    });

    test('usage: the prompt cache read and the uncached rest, in the nested shape', async () => {
      await using w = await world({ keys: { [PRIMARY_KEY]: { prompt_cache: true }, [BACKUP_KEY]: {} } });
      const p = w.provider(sdk.version);
      const system = `You answer briefly. ${'Context. '.repeat(200)}`;
      const first = await sdk.turn(p, 'main', { system, messages: [{ role: 'user', content: 'first question' }] });
      assert.equal(first.usage.inputTokenDetails.cacheReadTokens, 0);
      const second = await sdk.turn(p, 'main', {
        system,
        messages: [
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: first.text },
          { role: 'user', content: 'second question' },
        ],
      });
      const { inputTokens, inputTokenDetails } = second.usage;
      const read = inputTokenDetails.cacheReadTokens ?? 0;
      assert.ok(read > 0, JSON.stringify(second.usage));
      assert.equal(inputTokenDetails.noCacheTokens, inputTokens! - read);
      assert.ok((second.usage.outputTokens ?? 0) > 0);
    });

    test('per-call headers are not sent, and a warning says so; the SDK user-agent is not warned about', async () => {
      await using w = await world();
      const r = await sdk.turn(w.provider(sdk.version), 'main', {
        messages: [{ role: 'user', content: 'hello' }],
        headers: { 'x-team': 'search' },
      });
      assert.deepEqual(r.warnings, [
        {
          type: 'unsupported',
          feature: 'headers',
          details: "per-call headers (x-team) are not sent: set them under the provider's headers: in the config",
        },
      ]);
    });

    test('a file that is not an image is refused before anything is sent', async () => {
      await using w = await world();
      const err = await sdk
        .turn(w.provider(sdk.version), 'main', {
          messages: [
            {
              role: 'user',
              content: [{ type: 'file', data: 'JVBERi0xLjQK', mediaType: 'application/pdf' }],
            },
          ],
        })
        .then(
          () => assert.fail('expected a refusal'),
          (e: unknown) => e as Error,
        );
      assert.equal(err.name, 'AI_UnsupportedFunctionalityError');
      assert.match(err.message, /switchyard sends images, not files of type application\/pdf/);
      assert.equal(w.sim.served(), 0);
    });
  });
}

test("ai 7's reasoning setting is sent as reasoning_effort", async () => {
  await using w = await world();
  const model = w.provider('v4')('main');
  const r = await ai7.generateText({ model, prompt: 'hello', reasoning: 'high' });
  assert.equal(r.text, '[sim-large] reply to: hello');
  assert.deepEqual(
    w.sim.log().map((c) => c.fields.includes('reasoning_effort')),
    [true],
  );
});
