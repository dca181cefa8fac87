// Seeds 002 and 003: transient 401s on a known-good key versus a key that never worked; and an auxiliary task
// whose explicit provider's token was invalidated, walking its fallback_chain and then the main chain.
import { mask } from '../../config/mask.ts';
import { compressionLine, compressSession } from '../../sessions/compressor.ts';
import { ChatSession } from '../../sessions/session.ts';
import { RecordingBackend } from './recorder.ts';
import { callTask, outcomesOf, showCall, type Section } from './section.ts';
import { trailTable } from './tables.ts';

const FLAKY = 'sk-demo-tokenplan-flaky-41c7';
const TYPO = 'sk-demo-tokenplan-typo-0e55';

export const seed002: Section = {
  id: '002',
  title: 'transient 401s on a known-good key; a key that never worked',
  upstream:
    'A token-plan gateway answers 401 under load, even for a key that works: in the report every 401 was final and read ' +
    '"API key missing, wrong, or expired". Meanwhile a key with a typo must not be hammered.',
  config: 'retry: { auth_retries: 2, base_delay: 100ms } — tasks tokenplan_agent and typo_agent, one provider each',
  async run(world, p) {
    p.step(`the flaky key ${mask(FLAKY)} works (now it is known-good):`);
    showCall(p, await callTask(world, 'tokenplan_agent', 'ping'));
    p.step('the next call meets two transient 401s:');
    const flaky = await callTask(world, 'tokenplan_agent', 'Plan the migration.');
    showCall(p, flaky);
    const retried = flaky.ok && outcomesOf(flaky.trail).join(',') === 'auth_rejected,auth_rejected,ok';
    p.step(`the never-valid key ${mask(TYPO)}, called twice:`);
    const typo = await callTask(world, 'typo_agent', 'Plan the migration.');
    showCall(p, typo);
    const again = await callTask(world, 'typo_agent', 'Plan the migration.');
    showCall(p, again);
    const upstreamCalls = world.sim.calls(TYPO);
    p.line(`  the provider saw the never-valid key ${upstreamCalls} time${upstreamCalls === 1 ? '' : 's'}`);
    p.outcome(
      '002',
      retried && !typo.ok && !again.ok && upstreamCalls === 1,
      'the known-good key was retried with backoff and succeeded; the never-valid key was called once and explained clearly',
    );
  },
};

export const seed003: Section = {
  id: '003',
  title: 'an auxiliary task whose explicit provider answers 401 token_invalidated',
  upstream:
    'Compression runs on an explicit provider, kimi, whose token was invalidated (401 token_invalidated); its fallback_chain ' +
    'provider, claude, is out of credit. In the report auxiliary tasks stopped at an auth error instead of falling back.',
  config:
    'auxiliary.compression: { provider: kimi, fallback_chain: [claude/claude-haiku-4-5], fallback_to_main: true, protect_first: 2, protect_last: 4 }',
  async run(world, p) {
    const session = ChatSession.fresh(world.store);
    const topics = [
      'the release plan',
      'the database migration',
      'the rollback steps',
      'the on-call rota',
      'the launch checklist',
    ];
    for (const t of topics) {
      session.appendUser(`Let us talk about ${t}.`);
      session.appendAssistant(`Here are my notes on ${t}: keep it small, test it twice, write it down.`);
    }
    p.step(
      `a session with ${session.messages.length} messages is compressed (the middle ${session.messages.length - 6} are summarised):`,
    );
    const backend = new RecordingBackend(world.router);
    const outcome = await compressSession(session, backend, world.loaded().config.auxiliary.compression);
    const trail = backend.lastTrail('compression');
    p.block(trailTable(trail));
    p.line(`  ${compressionLine(outcome)}`);
    const providers = trail.map((a) => a.provider);
    const walked =
      providers[0] === 'kimi' &&
      providers.includes('claude') &&
      trail.at(-1)?.outcome === 'ok' &&
      trail.at(-1)?.provider === 'deepseek';
    p.outcome(
      '003',
      outcome.status === 'summarised' && walked,
      'the auth failure moved on: kimi → its fallback_chain (claude) → the main chain, where deepseek summarised',
    );
  },
};
