// The last section: a real chat session that gets its LLM title although the main key fails.
import { Conversation } from '../../sessions/conversation.ts';
import { ChatSession } from '../../sessions/session.ts';
import { RecordingBackend } from './recorder.ts';
import type { Section } from './section.ts';
import { trailTable } from './tables.ts';

export const chatSection: Section = {
  id: 'chat',
  title: 'a chat session gets its LLM title although the main key fails',
  upstream: 'Same expired main key as in 000. This is what `switchyard chat` does on every session.',
  config: 'main chain mimo → deepseek; auxiliary.title_generation on auto',
  async run(world, p) {
    const backend = new RecordingBackend(world.router);
    const notices: string[] = [];
    const conv = new Conversation({
      session: ChatSession.fresh(world.store),
      backend,
      config: world.loaded().config,
      notify: (l) => notices.push(l),
    });
    const question = 'How do I rotate an expired API key without downtime?';
    p.step(`you: ${question}`);
    const turn = await conv.send(question);
    p.line(`  assistant (${turn.route}, ${turn.attempts} attempt${turn.attempts === 1 ? '' : 's'}): ${turn.answer}`);
    p.line(`  instant title (derived, the chat did not wait): "${conv.session.title}"`);
    const title = await conv.titleSettled();
    p.step('the background title call:');
    p.block(trailTable(backend.lastTrail('title_generation')));
    for (const n of notices) p.line(`  ${n}`);
    p.line(`  title now: "${conv.session.title}" (${conv.session.titleSource}) — session ${conv.session.id}`);
    p.outcome(
      'chat',
      title?.status === 'generated' && conv.session.titleSource === 'generated',
      'the session got its generated title through the fallback',
    );
  },
};
