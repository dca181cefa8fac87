// The origin of a URL: what a stored key is bound to (credentials/host-binding.ts) and what a local config may
// read for it (local-env.ts).
/** `https://api.openai.com` for `https://api.openai.com/v1/`; a URL's user and password never part of it. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    // base_url is validated as an http(s) URL when the config loads; anything else is compared as written.
    return url;
  }
}
