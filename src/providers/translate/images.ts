// Images in messages, between the canonical part (`{type: 'image', url}`: a `data:` URL or an http(s) URL, as OpenAI
// sends them) and Anthropic's image block (`source`: base64 with a media type, or a URL). Pure functions, shared
// by the gateway's request parsers and the adapters.
import type { ContentPart, ImagePart } from '../types.ts';
import { WireRequestError } from './wire-error.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The media types Anthropic accepts for base64 images (OpenAI accepts the same four). */
export const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

const DATA_URL = /^data:([^;,]+);base64,/;

/** Checks a canonical image URL where it enters (`path` names the field for the error): data or http(s) only. */
export function checkImageUrl(url: string, path: string): void {
  if (url.startsWith('http://') || url.startsWith('https://')) return;
  const media = DATA_URL.exec(url)?.[1];
  if (media === undefined) throw new WireRequestError(path, 'expected an http(s) URL or a base64 data: URL (data:image/png;base64,…)');
  if (!IMAGE_MEDIA_TYPES.has(media)) throw new WireRequestError(path, `image type ${media} is not supported; use ${[...IMAGE_MEDIA_TYPES].join(', ')}`);
}

/** Canonical image → Anthropic image block. */
export function toAnthropicImage(part: ImagePart): Obj {
  const m = DATA_URL.exec(part.url);
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1], data: part.url.slice(m[0].length) } };
  return { type: 'image', source: { type: 'url', url: part.url } };
}

/** Anthropic image block → canonical image; throws a located WireRequestError for a source it cannot carry. */
export function fromAnthropicImage(block: Obj, path: string): ImagePart {
  const source = block['source'];
  if (!isObj(source)) throw new WireRequestError(`${path}.source`, 'required');
  if (source['type'] === 'base64' && typeof source['media_type'] === 'string' && typeof source['data'] === 'string') {
    if (!IMAGE_MEDIA_TYPES.has(source['media_type'])) {
      throw new WireRequestError(`${path}.source.media_type`, `expected one of ${[...IMAGE_MEDIA_TYPES].join(', ')}`);
    }
    return { type: 'image', url: `data:${source['media_type']};base64,${source['data']}` };
  }
  if (source['type'] === 'url' && typeof source['url'] === 'string') {
    checkImageUrl(source['url'], `${path}.source.url`);
    return { type: 'image', url: source['url'] };
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
