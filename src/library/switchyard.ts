// The library API (docs/routing.md#library-api). Each call runs on a snapshot of the config it started with, and never
// waits on disk; `reload()` swaps the config for later calls.
import { performance } from 'node:perf_hooks';
import { afterBilled, sendBilled } from '../calls/billed.ts';
import { CallRecorder } from '../usage/library.ts';
import type { UsageLedger } from '../usage/ledger.ts';
import { SwitchyardError } from '../routing/errors.ts';
import { UserError } from '../user-error.ts';
import type { LoadedConfig } from '../config/types.ts';
import { CredentialPool } from '../credentials/pool.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { adapterFor as defaultAdapterFor } from '../providers/registry.ts';
import { withLegacyBlocks } from '../providers/legacy-blocks.ts';
import type { ChatRequest } from '../providers/types.ts';
import { copySettings } from '../providers/settings.ts';
import { openStore } from '../state/open.ts';
import type { StateStore } from '../state/types.ts';
import { Breakers, type BreakerOptions } from '../routing/breaker.ts';
import { TrialsOut } from '../routing/trials-out.ts';
import { realSleep, type AdapterFor, type CallContext, type Sleep } from '../routing/call-context.ts';
import { requestFor } from '../routing/adjust.ts';
import { estimateTokens, runChain } from '../routing/chain.ts';
import { CallEvents, LadderEvents, type LadderSink } from '../calls/events.ts';
import { keyLog } from '../routing/key-log.ts';
import { mintLog } from '../routing/mint-log.ts';
import { resolveTask, taskNames, type TaskPlan } from '../config/resolve-task.ts';
import { streamSender } from '../routing/stream.ts';
import { committedEvents } from '../routing/committed-stream.ts';
import { chainResumer } from '../routing/resume-chain.ts';
import { streamingSettings } from '../config/streaming.ts';
import type { StreamHook } from '../calls/stream-hook.ts';
import { formatTrail } from '../calls/trail.ts';
import { routeName } from '../config/route-name.ts';
import type { AnsweredBy, CallRecord, ChatOptions, ChatSuccess, Disabled, StreamSuccess } from '../calls/types.ts';
import { assertLoadedConfig } from '../config/object.ts';
import { startChat } from '../telemetry/chat-telemetry.ts';
import { providerName } from '../telemetry/semconv.ts';
import { Budgets } from '../budgets/budgets.ts';
import { OncePerWindow } from '../budgets/said-once.ts';
import type { CallBudgets } from '../budgets/call.ts';
import { seedLogOf } from '../budgets/words.ts';
import type { BudgetWarning } from '../calls/budget-warning.ts';
import { holdInputTokens } from '../budgets/hold-size.ts';
import { startAffinity } from '../routing/affinity-step.ts';
import { ownerAffinity } from '../routing/owner-step.ts';
import { answeringCredential, callRecord, recordedStream, type CallStart } from '../calls/call-record.ts';
import { callOver, endedCalls, type CallReaderName, type CallReaders, type EndedCall } from './call-readers.ts';
import type { BatchQueue } from '../calls/record-queue.ts';
import { countsSettled } from '../calls/count-tokens.ts';

export interface SwitchyardOptions {
  config: LoadedConfig;
  /** State store for health and stored keys; default: the one `gateway.state` names, owned and closed by this
   * instance. `openStore({ kind: 'memory' })` keeps nothing. */
  store?: StateStore;
  logger?: Logger;
  now?: () => number;
  /** Uniform in [0, 1): backoff jitter and the `random` strategy. */
  random?: () => number;
  sleep?: Sleep;
  /** Provider adapters by type; default: the built-in OpenAI and Anthropic adapters. */
  adapterFor?: AdapterFor;
  breaker?: Partial<BreakerOptions>;
  /** Time zone for clock times in explanations (default: the machine's). */
  timeZone?: string;
  /** A usage ledger (usage/open.ts openLedger) to write a row per call to; the caller closes it. */
  usage?: UsageLedger;
  /** A gateway worker (`gateway --workers N`): minted tokens are shared with the other workers through the store. */
  shareMintedTokens?: boolean;
}

/** `await using router = createSwitchyard(…)` closes it at the end of the scope. */
export interface Switchyard extends AsyncDisposable {
  chat(options: ChatOptions & { stream: true }): Promise<StreamSuccess | Disabled>;
  chat(options: ChatOptions & { stream?: false }): Promise<ChatSuccess | Disabled>;
  /** `stream` known only at run time: narrow on `'events' in result`. */
  chat(options: ChatOptions & { stream?: boolean }): Promise<ChatSuccess | StreamSuccess | Disabled>;
  readonly events: LadderEvents;
  readonly pool: CredentialPool;
  readonly store: StateStore;
  readonly breakers: Breakers;
  /** Budget plans and prices of the current config, over the store's counters (docs/budgets.md). */
  readonly budgets: Budgets;
  /** The config new calls use. */
  config(): LoadedConfig;
  /** Calls already running keep the snapshot they started with. */
  reload(loaded: LoadedConfig): void;
  /** `main` and every task under `auxiliary:`. */
  tasks(): string[];
  /** The task's chain as the next call would run it (doctor, gateway /v1/models). */
  plan(task?: string): TaskPlan;
  close(): Promise<void>;
}

/** The route that answered, shaped as each trail entry names its route. */
function answeredBy(route: { provider: string; model: string }): AnsweredBy {
  return { route: routeName(route), provider: route.provider, model: route.model };
}

function requestOf(options: ChatOptions): Omit<ChatRequest, 'model'> {
  return copySettings<Omit<ChatRequest, 'model'>>({ messages: options.messages }, options);
}

class Router implements Switchyard {
  readonly events = new LadderEvents();
  readonly pool: CredentialPool;
  readonly store: StateStore;
  readonly breakers: Breakers;
  readonly budgets: Budgets;
  #loaded: LoadedConfig;
  readonly #ownsStore: boolean;
  #closed = false;
  readonly #unsubscribeStore: () => void;
  #storeReady = false;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #trials = new TrialsOut();
  readonly #random: () => number;
  readonly #sleep: Sleep;
  readonly #adapterFor: AdapterFor;
  readonly #timeZone: string | undefined;
  /** Writes a ledger row per call, when a ledger was given. */
  #calls: CallRecorder | undefined;
  /** Ended calls for the readers read off the call's tick (call-readers.ts): the ledger's row, the span. */
  readonly #ended: BatchQueue<EndedCall, CallReaderName>;
  /** Plans of the current config snapshot by task and override, so a request does not re-resolve its chain. */
  #plans = new Map<string, TaskPlan>();
  #plansFor: LoadedConfig['config'] | undefined;
  /** Soft budgets over their limit already said in the log this window. */
  readonly #softSaid = new OncePerWindow();

  constructor(options: SwitchyardOptions) {
    // A library caller may hand anything (a plain config object, a path, a promise): say what to pass, here rather
    // than as a TypeError deep inside the first call.
    if (options === null || typeof options !== 'object')
      throw new UserError('createSwitchyard needs options: createSwitchyard({ config: loadConfig() })');
    assertLoadedConfig(options.config, 'createSwitchyard({ config }): config');
    this.#loaded = options.config;
    this.#logger = options.logger ?? silentLogger();
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? realSleep;
    // An adapter the caller wrote may stream events without block boundaries (written before they existed).
    const own = options.adapterFor;
    this.#adapterFor = own === undefined ? defaultAdapterFor : (type) => withLegacyBlocks(own(type));
    this.#timeZone = options.timeZone;
    if (options.usage !== undefined) this.#calls = new CallRecorder(options.usage);
    this.#ended = endedCalls(this.#calls, this.#logger);
    this.#ownsStore = options.store === undefined;
    this.store =
      options.store ??
      openStore({
        kind: options.config.config.gateway.state,
        prefix: options.config.config.gateway.state_prefix,
        env: { ...options.config.env },
      });
    // Said once, for a store it opened itself: which file (or Redis) keeps the health, so a CLI reset or another
    // process can be pointed at the same one. A caller that passed its own knows.
    if (options.store === undefined)
      this.#logger.info(
        { store: this.store.kind, location: this.store.location },
        `state store: ${this.store.kind} at ${this.store.location}`,
      );
    this.breakers = new Breakers(options.breaker, this.#now, this.store);
    this.budgets = new Budgets(this.store.budgets, this.#now, () => this.store.ready());
    if (options.usage !== undefined) seedBudgetsFrom(this.budgets, options.usage, this.#logger);
    // Planned now, so a budget new to the config is seeded from the ledger before the first call.
    this.budgets.plan(options.config);
    this.breakers.onChange((provider, state) => {
      this.events.emit({ type: 'breaker', provider, state });
      this.#logger[state === 'open' ? 'warn' : 'info'](
        { provider, state },
        `circuit breaker for ${provider} is ${state.replace('_', '-')}`,
      );
    });
    this.events.on(keyLog(this.#logger, this.#now));
    // Another replica opened or closed a breaker (shared state): take it on now, so this replica's logs and metrics
    // say so at once rather than at its next request to that provider.
    this.#unsubscribeStore = this.store.onChange((change) => {
      if (change.type === 'breakers') for (const provider of change.providers) this.breakers.state(provider);
    });
    this.pool = new CredentialPool({
      loaded: options.config,
      store: this.store,
      now: this.#now,
      random: this.#random,
      shareMintedTokens: options.shareMintedTokens === true,
      // "Not using the first credential": the pool says it once per change; we log it and tell subscribers.
      onNotice: (notice) => {
        this.#logger[notice.level](notice.message);
        if (notice.code === 'credential_switch')
          this.events.emit({
            type: 'credential_switch',
            provider: notice.provider,
            from: notice.from,
            to: notice.to,
            message: notice.message,
          });
      },
    });
    this.store.limitAffinity(options.config.config.credentials.affinity_entries);
    this.pool.minter.onEvent = mintLog(this.#logger);
    // `auth refresh` in another process asks the tokens held here to be minted again.
    this.pool.minter.watchRefreshRequests();
  }

  config(): LoadedConfig {
    return this.#loaded;
  }

  reload(loaded: LoadedConfig): void {
    assertLoadedConfig(loaded, 'reload(loaded): loaded');
    this.#loaded = loaded;
    this.budgets.plan(loaded);
    this.pool.setConfig(loaded);
    this.store.limitAffinity(loaded.config.credentials.affinity_entries);
  }

  tasks(): string[] {
    return taskNames(this.#loaded.config);
  }

  plan(task = 'main'): TaskPlan {
    return resolveTask(this.#loaded.config, task);
  }

  chat(options: ChatOptions & { stream: true }): Promise<StreamSuccess | Disabled>;
  chat(options: ChatOptions & { stream?: false }): Promise<ChatSuccess | Disabled>;
  chat(options: ChatOptions & { stream?: boolean }): Promise<ChatSuccess | StreamSuccess | Disabled>;
  async chat(options: ChatOptions & { stream?: boolean }): Promise<ChatSuccess | StreamSuccess | Disabled> {
    // After close() the store takes no more writes: a call would run, but the health it learns would be lost.
    if (this.#closed)
      throw new UserError('this Switchyard was closed; create another with createSwitchyard() to make more calls');
    // Shared state (Redis) is read before the first call picks a key; after that, one boolean per call.
    if (!this.#storeReady) await this.#waitForStore();
    const loaded = this.#loaded;
    const task = options.task ?? 'main';
    const plan = this.#planFor(loaded, task, options.route);
    if (plan.status === 'disabled') {
      this.#logger.debug({ task, reason: plan.reason }, 'task disabled; nothing sent');
      return { status: 'disabled', task, reason: plan.reason, trail: [] };
    }
    const ctx = this.#context(loaded, task, plan, options);
    const input = {
      routes: plan.routes,
      estimatedTokens: estimateTokens(options.messages, options.estimated_tokens),
      explicitEstimate: options.estimated_tokens !== undefined,
    };
    const request = requestOf(options);
    const telemetry = startChat(() => ({
      task,
      first: plan.routes[0]!,
      stream: options.stream === true,
      maxTokens: options.max_tokens,
      temperature: options.temperature,
      providerName: (name) => providerName(loaded.config.providers[name]),
      now: this.#now,
      env: process.env,
    }));
    const budgets = this.#callBudgets(loaded, task, options, ctx.events);
    if (budgets !== undefined) ctx.budgets = budgets;
    // The call's readers read its record when it is over (call-readers.ts): a stream's when it ends, everything
    // else's when the call returns or throws.
    const readers: CallReaders = { budgets, telemetry, own: options.onRecord, config: loaded.config };
    const start: CallStart = {
      task,
      stream: options.stream === true,
      trail: ctx.trail,
      events: ctx.events,
      startedAt: Date.now(),
      t0: performance.now(),
      now: this.#now,
      endUser: options.end_user,
    };
    // Read once every attempt's usage is set: an estimate is counted off the event loop (calls/billed.ts).
    const over = (record: CallRecord): void => {
      if (afterBilled(ctx, () => callOver(record, readers, this.#ended, this.#calls !== undefined)))
        options.onRecordLater?.();
    };
    try {
      if (options.stream) {
        const streaming = streamingSettings(loaded.config.streaming, loaded.config.auxiliary[task]?.streaming);
        const done = await runChain(ctx, input, streamSender(request, streaming));
        const route = answeredBy(done.route);
        // The trail was logged when the stream started (below); a break after that changes it, so it is logged again.
        const logBroken = (): void => {
          if (this.#logger.isLevelEnabled('debug'))
            this.#logger.debug({ task, trail: formatTrail(ctx.trail) }, 'attempt trail (the stream broke off)');
        };
        const resume = chainResumer(ctx, input, request, streaming);
        // The stream's one reader of its events for the record, and telemetry's clock between chunks when its
        // metrics are on, as hooks of the stream's own loop (calls/stream-hook.ts).
        const hooks: StreamHook[] = [recordedStream(start, route, budgets?.warnings, over)];
        const clock = telemetry?.chunkClock(route);
        if (clock !== undefined) hooks.push(clock);
        return {
          status: 'ok',
          task,
          ...route,
          trail: ctx.trail,
          events: committedEvents(ctx, done.route, done.value, logBroken, hooks, resume),
          ...warnings(budgets),
        };
      }
      const done = await runChain(ctx, input, (adapter, sendCtx, route, adjust) =>
        sendBilled(adapter, requestFor(request, route, adjust), sendCtx),
      );
      // Fields set one by one: a spread in an object literal is a runtime call, on every request.
      const by = answeredBy(done.route);
      const answered: ChatSuccess = {
        status: 'ok',
        task,
        route: by.route,
        provider: by.provider,
        model: by.model,
        response: done.value,
        trail: ctx.trail,
      };
      if (budgets !== undefined && budgets.warnings.length > 0) answered.budget_warnings = budgets.warnings;
      const r = done.value;
      over(
        callRecord(start, {
          answered: by,
          credential: answeringCredential(ctx.trail),
          usage: r.usage,
          responseModel: r.model,
          responseId: r.id,
          finishReason: r.finish_reason,
          outcome: 'ok',
          budgetWarnings: budgets?.warnings,
        }),
      );
      return answered;
    } catch (err) {
      const outcome = SwitchyardError.isInstance(err) ? err.kind : ctx.signal?.aborted ? 'cancelled' : 'error';
      over(callRecord(start, { outcome, error: err, budgetWarnings: budgets?.warnings }));
      throw err;
    } finally {
      if (this.#logger.isLevelEnabled('debug'))
        this.#logger.debug({ task, trail: formatTrail(ctx.trail) }, 'attempt trail');
    }
  }

  /** The call's budgets, when any is configured; a soft one gone over is logged and told to subscribers through the
   * call's `events` (its record keeps it). */
  #callBudgets(loaded: LoadedConfig, task: string, options: ChatOptions, events: LadderSink): CallBudgets | undefined {
    // Asked first, so a config without budgets makes none of the closures below.
    if (this.budgets.plan(loaded).empty) return undefined;
    return this.budgets.forCall(loaded, {
      task,
      clientKey: options.client_key,
      user: options.end_user,
      // Counted only when some budget is configured (forCall says), as an upper bound (hold-size.ts).
      inputTokens: () => Math.max(holdInputTokens(options.messages), options.estimated_tokens ?? 0),
      maxTokens: options.max_tokens,
      onWarning: (w) => {
        // Said once per window: every request over it is still an event (switchyard_budget_events_total).
        if (this.#softSaid.first(w.budget, w.resource, w.window, this.#now()))
          this.#logger.warn(
            { task, budget: w.budget, scope: w.scope, resource: w.resource, window: w.window },
            `${w.message} (said once per ${w.window}; every request over it is counted)`,
          );
        events.emit({
          type: 'budget',
          task,
          budget: w.budget,
          scope: w.scope,
          resource: w.resource,
          window: w.window,
          state: 'soft_over',
          message: w.message,
        });
      },
    });
  }

  async #waitForStore(): Promise<void> {
    await this.store.ready();
    this.#storeReady = true;
  }

  /** resolveTask, kept per config snapshot (a reload makes a new one). Plans are only read, never changed. */
  #planFor(loaded: LoadedConfig, task: string, route: ChatOptions['route']): TaskPlan {
    if (this.#plansFor !== loaded.config) {
      this.#plans = new Map();
      this.#plansFor = loaded.config;
    }
    const key = route ? `${task}\0${route.provider}\0${route.model}` : task;
    let plan = this.#plans.get(key);
    if (plan === undefined) {
      plan = resolveTask(loaded.config, task, route);
      // Overrides come from requests: bound what a stream of odd model names can make us keep.
      if (this.#plans.size >= 256) this.#plans.clear();
      this.#plans.set(key, plan);
    }
    return plan;
  }

  #context(
    loaded: LoadedConfig,
    task: string,
    plan: Extract<TaskPlan, { status: 'chain' }>,
    options: ChatOptions,
  ): CallContext & { events: CallEvents } {
    const ctx: CallContext & { events: CallEvents } = {
      task,
      loaded,
      pool: this.pool,
      store: this.store,
      breakers: this.breakers,
      trials: this.#trials,
      adapterFor: this.#adapterFor,
      events: new CallEvents(this.events),
      trail: options.trail ?? [],
      now: this.#now,
      sleep: this.#sleep,
      random: this.#random,
    };
    if (plan.timeoutMs !== undefined) {
      ctx.deadline = this.#now() + plan.timeoutMs;
      ctx.timeoutMs = plan.timeoutMs;
    }
    if (options.signal) ctx.signal = options.signal;
    if (options.needs !== undefined) ctx.needs = options.needs;
    if (this.#timeZone !== undefined) ctx.timeZone = this.#timeZone;
    const override = options.route === undefined ? undefined : routeName(options.route);
    const affinity = startAffinity(loaded, this.store, this.#now, {
      task,
      override,
      messages: options.messages,
      tools: options.tools,
      wire: options.wire_body,
    });
    if (options.owner !== undefined) {
      ctx.owner = options.owner;
      const scope = override === undefined ? task : `${task}\u0000${override}`;
      const call = { scope, messages: options.messages, tools: options.tools, now: this.#now() };
      ctx.affinity = ownerAffinity(affinity, options.owner, call);
    } else if (affinity !== undefined) ctx.affinity = affinity;
    return ctx;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    // A call's record waits for its attempts' estimates, counted on the count worker (calls/billed.ts).
    await countsSettled();
    // What ended calls left for their readers (a ledger row, a span) is read now, before the owner closes the ledger.
    this.#ended.flush();
    this.#unsubscribeStore();
    this.pool.minter.close();
    if (this.#ownsStore) await this.store.close();
    // Not ours: get our writes out early, but what cannot be written is for the owner to report when it closes it.
    else await this.store.flush().catch(() => {});
  }
}

/** Budget counters new to the config start at what `ledger` says their scope spent in the window; each seeded is
 * said in the log (docs/budgets.md#a-budget-added-mid-window). */
export function seedBudgetsFrom(budgets: Budgets, ledger: UsageLedger, logger: Logger): void {
  budgets.seedFrom(
    (q) => ledger.totals(q),
    {
      seeded: (seeded) => {
        for (const s of seeded)
          logger.info(
            { budget: s.limit.budget, resource: s.limit.resource, window: s.limit.window },
            seedLogOf(s.limit, s.amount, s.since),
          );
      },
      failed: (err) =>
        logger.warn(
          `budgets could not be seeded from the usage ledger (${err instanceof Error ? err.message : String(err)}); new budgets count from 0`,
        ),
    },
    (q) => ledger.toolTotals(q),
  );
}

/** `budget_warnings` on a result, when a soft budget was gone over. */
function warnings(budgets: CallBudgets | undefined): { budget_warnings?: BudgetWarning[] } {
  return budgets !== undefined && budgets.warnings.length > 0 ? { budget_warnings: budgets.warnings } : {};
}

export function createSwitchyard(options: SwitchyardOptions): Switchyard {
  return new Router(options);
}
