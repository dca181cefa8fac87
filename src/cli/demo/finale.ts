// After the scripted part: how to talk to the gateway the demo left running. The client key is never printed:
// the commands read it from the 0600 file the demo wrote.
import type { Printer } from './printer.ts';
import type { DemoWorld } from './world.ts';

export function printFinale(world: DemoWorld, p: Printer): void {
  const url = world.gateway.url;
  p.heading('Your turn: the gateway is running');
  p.para('Gateway', `${url} (OpenAI and Anthropic shapes), in front of the simulator at ${world.sim.url}`);
  p.para(
    'Key',
    `a client key was created for you and saved in ${world.clientKeyFile} (mode 0600; it is not shown here)`,
  );
  p.line();
  p.line(p.style('curl:', 'bold'));
  p.block(
    [
      `export SWITCHYARD_KEY="$(cat ${world.clientKeyFile})"`,
      `curl -s ${url}/v1/chat/completions -H "Authorization: Bearer $SWITCHYARD_KEY" \\`,
      `  -H 'content-type: application/json' -d '{"model":"main","messages":[{"role":"user","content":"hello"}]}' -D - `,
      `# "model" is a task: main, title_generation, compression, agent, … — or provider/model (deepseek/deepseek-chat)`,
    ].join('\n'),
  );
  p.line(p.style('OpenAI SDK (Node):', 'bold'));
  p.block(
    [
      `import OpenAI from 'openai';`,
      `const client = new OpenAI({ baseURL: '${url}/v1', apiKey: process.env.SWITCHYARD_KEY });`,
      `const r = await client.chat.completions.create({`,
      `  model: 'title_generation', // a task name: its chain (here the main chain, whose first key is expired) answers`,
      `  messages: [{ role: 'system', content: 'Write a short title for this conversation.' }, { role: 'user', content: 'Why did my key expire?' }],`,
      `});`,
      `console.log(r.choices[0].message.content);`,
    ].join('\n'),
  );
  p.line(p.style('Agents and SDKs:', 'bold'));
  p.line(
    `  Claude Code, Codex, OpenCode, Hermes, the AI SDK, LangChain, …: docs/clients.md (their claude-* and gpt-* model names are the main task here)`,
  );
  p.line();
  p.line(p.style('Chat with the same setup:', 'bold'));
  p.block(
    `SWITCHYARD_HOME=${world.home} SIM_URL=${world.sim.url} ./dev node bin/switchyard.js --config ${world.configPath} chat`,
  );
  p.line();
  p.line(
    `Stop with ${p.style('Ctrl-C', 'bold')} (the gateway drains, the temporary directory ${world.dir} is removed).`,
  );
  p.line();
  // Last, so it is what the terminal shows: keys cooling and recovering, the requests above, their spend.
  p.line(`${p.style('Dashboard:', 'bold')} ${url}/ui`);
  p.line(`  sign in with the admin key in ${world.adminKeyFile} (mode 0600; not shown here) — docs/observability.md`);
}
