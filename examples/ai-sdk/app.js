// An AI SDK app on Switchyard: one import gives it models that are tasks (`main`, `title_generation`), with key
// rotation, retries and fallback across providers inside each call. It runs against the simulator, so it needs no
// keys: `npm run example:ai-sdk` (examples/ai-sdk/README.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText, streamText, tool, isStepCount } from 'ai';
import { z } from 'zod';
import { loadConfig, loadScenario, startSimulator } from 'switchyard';
import { createSwitchyardProvider } from 'switchyard/ai-sdk';

const here = import.meta.dirname;
const sim = await startSimulator({ scenario: loadScenario(join(here, 'scenario.yaml')) });
// Its own state directory, so the example leaves the user's key health alone.
const home = mkdtempSync(join(tmpdir(), 'switchyard-ai-sdk-example-'));
const env = { ...process.env, SIM_URL: sim.url, SWITCHYARD_HOME: home };
const switchyard = createSwitchyardProvider({ config: loadConfig({ configPath: join(here, 'switchyard.yaml'), env }) });

try {
  // 1. A plain call. OpenAI's key is out of quota: the answer comes from Claude, and the trail says why.
  const answer = await generateText({ model: switchyard('main'), prompt: 'Say hello to the AI SDK.' });
  console.log(`generateText: ${answer.text}`);
  for (const a of answer.providerMetadata?.switchyard?.attempts ?? [])
    console.log(`  attempt: ${a.route} → ${a.outcome}${a.message ? ` (${a.message.split('. ')[0]})` : ''}`);

  // 2. A streamed agent step with a tool: the tool input streams in, the tool runs, the model answers its result.
  const result = streamText({
    model: switchyard('main'),
    prompt: 'call weather for Lisbon',
    tools: {
      weather: tool({
        description: 'The weather in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => ({ city, sky: 'clear', celsius: 21 }),
      }),
    },
    stopWhen: isStepCount(3),
  });
  for await (const part of result.fullStream) {
    if (part.type === 'tool-call') console.log(`streamText: tool call ${part.toolName}(${JSON.stringify(part.input)})`);
    if (part.type === 'tool-result') console.log(`streamText: tool result ${JSON.stringify(part.output)}`);
  }
  console.log(`streamText: ${await result.text}`);

  // 3. Another task, with its own timeout and chain from the config.
  const title = await generateText({
    model: switchyard('title_generation'),
    prompt: 'Write a title for: the AI SDK meets Switchyard',
  });
  console.log(`title_generation: ${title.text}`);
  console.log(`upstream calls: ${sim.served()} (the AI SDK retried none of them: its maxRetries is left as it is)`);
} finally {
  await switchyard.close();
  await sim.close();
  rmSync(home, { recursive: true, force: true });
}
