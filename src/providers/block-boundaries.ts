// A stream's block starts and ends (docs/routing.md#stream-events): they frame content but carry none, so what
// measures the content as it arrives (telemetry's chunk clocks) passes them by.
import type { StreamEvent } from './types.ts';

const BOUNDARIES: ReadonlySet<StreamEvent['type']> = new Set([
  'text_start',
  'text_end',
  'thinking_start',
  'thinking_end',
  'tool_call_end',
]);

export const isBlockBoundary = (e: StreamEvent): boolean => BOUNDARIES.has(e.type);
