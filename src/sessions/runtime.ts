// What `chat` and the demo run on: the loaded config, the state store (sessions live there) and the router.
import type { LoadedConfig } from '../config/types.ts';
import { openStore } from '../state/open.ts';
import type { StateStore } from '../state/types.ts';
import type { ChatBackend } from './backend.ts';

export interface ChatRuntime {
  /** The config in force: replaced by reload(). */
  loaded: LoadedConfig;
  store: StateStore;
  backend: ChatBackend;
  /** A new config (file or .env edited): the router uses it from its next call. */
  reload(next: LoadedConfig): void;
  close(): Promise<void>;
}

/** `onKeySwitch` tells the user, once per change, that the key they meant is set aside: the router's own logger is
 * silent in a chat (seed 001). */
export async function openChatRuntime(
  loaded: LoadedConfig,
  store?: StateStore,
  onKeySwitch?: (message: string) => void,
  /** The state directory whose usage ledger the chat's calls (turns, titles, compression) are written to; none: no
   * rows. */
  usageHome?: string,
): Promise<ChatRuntime> {
  // Loaded on use: `switchyard sessions` and `--help` need no router.
  const { createSwitchyard } = await import('../library/switchyard.ts');
  const ownsStore = store === undefined;
  const opened = store ?? openSessionStore(loaded);
  const { openLedger } = await import('../usage/open.ts');
  const usage = usageHome === undefined ? undefined : openLedger(loaded.config.usage, { home: usageHome });
  const router = createSwitchyard({ config: loaded, store: opened, ...(usage ? { usage } : {}) });
  if (onKeySwitch) router.events.on((e) => e.type === 'credential_switch' && onKeySwitch(e.message));
  const runtime: ChatRuntime = {
    loaded,
    store: opened,
    backend: router,
    reload(next) {
      router.reload(next);
      runtime.loaded = next;
    },
    async close() {
      await router.close();
      await usage?.close();
      if (ownsStore) await opened.close();
    },
  };
  return runtime;
}

/** Sessions live in the state store named by `gateway.state` (SQLite in $SWITCHYARD_HOME by default). */
export function openSessionStore(loaded: LoadedConfig): StateStore {
  return openStore({
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: { ...loaded.env },
  });
}
