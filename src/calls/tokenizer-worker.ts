// The token-count worker's entry (count-tokens.ts starts it): counts each text of a batch with the tokenizer, whose
// tables stay in this thread's heap.
import { runAsWorker } from 'synckit';
import { countTextTokensHere } from './tokenizer.ts';

runAsWorker((texts: readonly string[]): number[] => texts.map(countTextTokensHere));
