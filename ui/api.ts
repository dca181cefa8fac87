// Talking to the gateway: GETs as JSON, and actions with the CSRF token the shell page carries in a meta tag, as it
// carries who is signed in and the actions their role may take (the server checks the role again).

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

function csrf(): string {
  return meta('csrf-token');
}

/** Who is signed in and their role, for the header. */
export function signedIn(): { who: string; role: string } {
  return { who: meta('signed-in'), role: meta('role') };
}

/** Whether the signed-in role may take `action` (`reset`, `refresh`): the page offers only those. */
export function may(action: 'reset' | 'refresh'): boolean {
  return meta('actions').split(' ').includes(action);
}

export class ApiFailure extends Error {}

async function read<T>(res: Response): Promise<T> {
  if (res.status === 401) {
    location.reload();
    throw new ApiFailure('signed out');
  }
  const body = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) throw new ApiFailure(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export async function get<T>(path: string): Promise<T> {
  return read<T>(await fetch(path, { credentials: 'same-origin' }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
    body: JSON.stringify(body ?? {}),
  });
  return read<T>(res);
}

/** `12:04:05` today, `Nov 22 12:04` before; empty for none. */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString([], { hour12: false })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}
