// The chat endpoints: the requests the router serves, which the request metrics count and which carry
// `x-switchyard-attempts`, answered or not.

export const CHAT_PATHS: ReadonlySet<string> = new Set([
  '/v1/chat/completions',
  '/v1/messages',
  '/v1/responses',
  '/v1/responses/compact',
]);

/** The request's path, without its query (node's own request says none when it has no URL: ''). */
export function pathOf(req: { readonly url?: string | undefined }): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function isChatRequest(req: { readonly url: string }): boolean {
  return CHAT_PATHS.has(pathOf(req));
}
