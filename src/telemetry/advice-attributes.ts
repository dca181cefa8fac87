// A failed call's explanation on its span: the headline as `switchyard.error.headline` and each advice as one
// `kind:subject` string in `switchyard.advice` (`reset_key:mimo`, `check_setting:providers.mimo.base_url`), so a
// trace query can find every call that asked for the same fix. One renderer per advice kind, so a new kind is named
// here by the type checker.
import type { Attributes } from '@opentelemetry/api';
import type { Advice } from '../errors/advice.ts';
import type { Explanation } from '../errors/explanation.ts';
import { scrubSecrets } from '../log.ts';
import { ATTR } from './semconv.ts';

type Subject<K extends Advice['kind']> = (a: Extract<Advice, { kind: K }>) => string | undefined;

/** What each advice is about, for a query: a provider, a setting's path, or the variant of the advice. */
const SUBJECTS: { [K in Advice['kind']]: Subject<K> } = {
  reset_key: (a) => a.provider,
  add_key: (a) => a.provider,
  replace_key: () => undefined,
  wait: () => undefined,
  retry_later: (a) => a.when,
  check_setting: (a) => a.path,
  raise_setting: (a) => a.path,
  add_fallback: (a) => a.to,
  fix_request: (a) => a.how,
  trust_config: (a) => a.provider,
  key_kept: (a) => a.why,
  other_model: (a) => a.path ?? a.how,
  list_models: () => undefined,
  change_network: (a) => a.because,
  hiccup: (a) => a.side,
  no_proxy: (a) => a.provider,
  report_bug: () => undefined,
};

/** `kind:subject`, or the kind alone when it has no subject. */
export function adviceAttribute(a: Advice): string {
  const subject = (SUBJECTS[a.kind] as (a: Advice) => string | undefined)(a);
  return subject === undefined ? a.kind : `${a.kind}:${subject}`;
}

/** The explanation's attributes for the call's span (scrubbed: a headline quotes the provider's own words). */
export function explanationAttributes(e: Explanation): Attributes {
  return {
    [ATTR.errorHeadline]: scrubSecrets(e.headline),
    [ATTR.advice]: e.advice.map(adviceAttribute),
  };
}
