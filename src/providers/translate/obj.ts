// A JSON object as the translators read it (one definition for every wire shape and stream).
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
