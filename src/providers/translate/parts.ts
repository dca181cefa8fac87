// Content parts between the canonical shape and Anthropic's: images, prompt-cache marks, and whether a message needs
// its parts kept. Shared by the gateway's parsers and the adapters.
import type { CacheControl, ContentPart, ImagePart, ThinkingPart } from '../types.ts';
import { WireRequestError } from './wire-error.ts';
import { type Obj, isObj } from './obj.ts';

/** The media types Anthropic accepts for base64 images (OpenAI accepts the same four). */
const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

const DATA_URL = /^data:([^;,]+);base64,/;

/** Checks a canonical image URL where it enters (`path` names the field for the error): data or http(s) only. */
export function checkImageUrl(url: string, path: string): void {
  if (url.startsWith('http://') || url.startsWith('https://')) return;
  const media = DATA_URL.exec(url)?.[1];
  if (media === undefined)
    throw new WireRequestError(path, 'expected an http(s) URL or a base64 data: URL (data:image/png;base64,…)');
  if (!IMAGE_MEDIA_TYPES.has(media))
    throw new WireRequestError(path, `image type ${media} is not supported; use ${[...IMAGE_MEDIA_TYPES].join(', ')}`);
}

/** Canonical image → Anthropic image block. */
export function toAnthropicImage(part: ImagePart): Obj {
  const m = DATA_URL.exec(part.url);
  const source = m
    ? { type: 'base64', media_type: m[1], data: part.url.slice(m[0].length) }
    : { type: 'url', url: part.url };
  return { type: 'image', source, ...cacheField(part.cache_control) };
}

/** Anthropic image block → canonical image; throws a located WireRequestError for a source it cannot carry. */
export function fromAnthropicImage(block: Obj, path: string): ImagePart {
  const source = block['source'];
  if (!isObj(source)) throw new WireRequestError(`${path}.source`, 'required');
  if (source['type'] === 'base64' && typeof source['media_type'] === 'string' && typeof source['data'] === 'string') {
    if (!IMAGE_MEDIA_TYPES.has(source['media_type'])) {
      throw new WireRequestError(`${path}.source.media_type`, `expected one of ${[...IMAGE_MEDIA_TYPES].join(', ')}`);
    }
    return {
      type: 'image',
      url: `data:${source['media_type']};base64,${source['data']}`,
      ...cacheField(cacheControlOf(block['cache_control'])),
    };
  }
  if (source['type'] === 'url' && typeof source['url'] === 'string') {
    checkImageUrl(source['url'], `${path}.source.url`);
    return { type: 'image', url: source['url'], ...cacheField(cacheControlOf(block['cache_control'])) };
  }
  throw new WireRequestError(`${path}.source`, 'expected {type: "base64", media_type, data} or {type: "url", url}');
}

/** The text parts of a content, joined: what `ChatMessage.content` holds beside `parts`. */
export function textOfParts(parts: readonly ContentPart[]): string {
  let text = '';
  for (const p of parts) if (p.type === 'text') text += p.text;
  return text;
}

export const hasImage = (parts: readonly ContentPart[]): boolean => parts.some((p) => p.type === 'image');

export const isThinking = (p: ContentPart): p is ThinkingPart =>
  p.type === 'thinking' || p.type === 'redacted_thinking';

/** Parts are kept beside the joined text only when the text alone would lose something: an image, a cache mark or a
 * thinking block. */
export const needsParts = (parts: readonly ContentPart[]): boolean =>
  parts.some((p) => p.type === 'image' || p.type === 'compaction' || isThinking(p) || p.cache_control !== undefined);

/** An Anthropic thinking block → its canonical part, exactly as sent (the signature is checked upstream); undefined
 * for a block of another type. */
export function thinkingPartOf(block: Readonly<Record<string, unknown>>): ThinkingPart | undefined {
  if (block['type'] === 'redacted_thinking' && typeof block['data'] === 'string')
    return { type: 'redacted_thinking', data: block['data'] };
  if (block['type'] === 'thinking' && typeof block['thinking'] === 'string')
    return {
      type: 'thinking',
      thinking: block['thinking'],
      signature: typeof block['signature'] === 'string' ? block['signature'] : '',
    };
  return undefined;
}

/** A canonical thinking part → the Anthropic block it came from. */
export const thinkingBlock = (p: ThinkingPart): Obj =>
  p.type === 'thinking'
    ? { type: 'thinking', thinking: p.thinking, signature: p.signature }
    : { type: 'redacted_thinking', data: p.data };

/** A prompt-cache mark as a client sent it (Anthropic's `cache_control`, also used by OpenRouter on OpenAI-shaped
 * text parts), or undefined when there is none or it is not one we know. */
export function cacheControlOf(v: unknown): CacheControl | undefined {
  if (!isObj(v) || v['type'] !== 'ephemeral') return undefined;
  return v['ttl'] === '5m' || v['ttl'] === '1h' ? { type: 'ephemeral', ttl: v['ttl'] } : { type: 'ephemeral' };
}

/** `{cache_control}` to spread into a block, or nothing. */
export const cacheField = (c: CacheControl | undefined): { cache_control?: CacheControl } =>
  c === undefined ? {} : { cache_control: c };
