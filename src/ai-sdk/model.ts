// One AI SDK language model whose calls run our whole ladder in-process. The same core serves both faces; only
// `specificationVersion` differs (`v3` for `ai` 6, `v4` for `ai` 7). docs/clients.md says why it works as it does.
import type { Route } from '../config/schema.ts';
import type { StreamEvent } from '../providers/types.ts';
import { SwitchyardError } from '../routing/errors.ts';
import type { Switchyard } from '../library/switchyard.ts';
import type { ChatOptions, Disabled, StreamSuccess } from '../calls/types.ts';
import { toSettings } from './call-options.ts';
import { toChatMessages } from './prompt.ts';
import { contentOf, finishReason, sdkUsage, trailMetadata } from './results.ts';
import { NoSuchModelError, sdkError } from './sdk-errors.ts';
import type {
  CallOptions,
  GenerateResult,
  LanguageModelFace,
  SpecificationVersion,
  StreamPart,
  StreamResult,
  Warning,
} from './spec-types.ts';
import { StreamParts } from './stream-parts.ts';
import { parseRoute } from '../config/route-name.ts';

/** What a model id names: a task (`main`, `title_generation`), or `provider/model` in front of the main chain. */
export interface ModelTarget {
  task: string;
  route?: Route;
}

export function targetOf(router: Switchyard, modelId: string): ModelTarget {
  const tasks = router.tasks();
  if (tasks.includes(modelId)) return { task: modelId };
  const route = parseRoute(modelId);
  const providers = Object.keys(router.config().config.providers);
  if (route !== undefined && providers.includes(route.provider)) return { task: 'main', route };
  throw new NoSuchModelError(
    modelId,
    `switchyard has no model ${JSON.stringify(modelId)}: name a task (${tasks.join(', ')}) or provider/model with a configured provider (${providers.join(', ') || 'none configured'})`,
  );
}

/** Images by URL are passed on as URLs (both provider types fetch them), so the SDK need not download them. */
const SUPPORTED_URLS: Record<string, RegExp[]> = { 'image/*': [/^https?:\/\/.*$/] };

export class SwitchyardLanguageModel<V extends SpecificationVersion> implements LanguageModelFace<V> {
  readonly specificationVersion: V;
  readonly provider = 'switchyard';
  readonly modelId: string;
  readonly supportedUrls = SUPPORTED_URLS;
  readonly #router: Switchyard;
  readonly #target: ModelTarget;

  constructor(router: Switchyard, modelId: string, version: V) {
    this.#router = router;
    this.modelId = modelId;
    this.specificationVersion = version;
    this.#target = targetOf(router, modelId);
  }

  async doGenerate(options: CallOptions): Promise<GenerateResult> {
    const warnings: Warning[] = [];
    const chat = this.#chatOptions(options, warnings);
    const result = await this.#router.chat({ ...chat, stream: false }).catch(this.#rethrow);
    if (result.status === 'disabled') throw this.#disabled(result);
    const { response } = result;
    return {
      content: contentOf(response),
      finishReason: finishReason(response.finish_reason),
      usage: sdkUsage(response.usage),
      providerMetadata: trailMetadata(result.task, result, result.trail),
      response: { id: response.id, modelId: response.model, timestamp: new Date() },
      warnings,
    };
  }

  /** Resolves once the ladder has committed to a route (its first content delta, or a whole answer without any):
   * nothing, not even `stream-start`, is sent before, so a fallback never repeats a preamble. */
  async doStream(options: CallOptions): Promise<StreamResult> {
    const warnings: Warning[] = [];
    const chat = this.#chatOptions(options, warnings);
    const result = await this.#router.chat({ ...chat, stream: true }).catch(this.#rethrow);
    if (result.status === 'disabled') throw this.#disabled(result);
    return { stream: this.#partStream(result, warnings, options.abortSignal) };
  }

  #chatOptions(options: CallOptions, warnings: Warning[]): ChatOptions {
    const chat: ChatOptions = {
      ...toSettings(options, warnings),
      task: this.#target.task,
      messages: toChatMessages(options.prompt, warnings),
    };
    if (this.#target.route) chat.route = this.#target.route;
    if (options.abortSignal) chat.signal = options.abortSignal;
    return chat;
  }

  readonly #rethrow = (err: unknown): never => {
    throw sdkError(err, { model: this.modelId, task: this.#target.task });
  };

  #disabled(result: Disabled): unknown {
    const explanation = `${result.task} is disabled (${result.reason}): nothing was sent`;
    const error = new SwitchyardError({ task: result.task, kind: 'not_found', explanation, trail: [], failures: [] });
    return sdkError(error, { model: this.modelId, task: result.task });
  }

  /** The committed stream as parts, read as the SDK pulls them; a cancel closes the upstream call. */
  #partStream(result: StreamSuccess, warnings: Warning[], signal: AbortSignal | undefined): ReadableStream<StreamPart> {
    const events = result.events[Symbol.asyncIterator]();
    const parts = new StreamParts();
    let finish: Extract<StreamEvent, { type: 'finish' }> | undefined;
    const metadata = () => trailMetadata(result.task, result, result.trail);
    return new ReadableStream<StreamPart>({
      start: (controller) => controller.enqueue({ type: 'stream-start', warnings }),
      pull: async (controller) => {
        for (;;) {
          let next: IteratorResult<StreamEvent>;
          try {
            next = await events.next();
          } catch (err) {
            // A caller's abort ends the stream as the SDK's own fetches do; our failure is an error part, then a
            // finish saying `error`, and nothing already sent is sent again.
            if (signal?.aborted) return controller.error(err);
            controller.enqueue({ type: 'error', error: sdkError(err, { model: this.modelId, task: result.task }) });
            for (const p of parts.finishParts(undefined, metadata())) controller.enqueue(p);
            return controller.close();
          }
          if (next.done) {
            for (const p of parts.finishParts(finish, metadata())) controller.enqueue(p);
            return controller.close();
          }
          if (next.value.type === 'finish') finish = next.value;
          const out = parts.parts(next.value, result);
          for (const p of out) controller.enqueue(p);
          if (out.length > 0) return;
        }
      },
      cancel: async () => {
        await events.return?.(undefined);
      },
    });
  }
}
