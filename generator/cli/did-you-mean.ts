/**
 * The one candidate a mistyped command or option most likely meant, if any is close enough.
 */
import { closest, distance } from 'fastest-levenshtein';

/**
 * Close enough to be a typo: at most a third of the candidate's length in edits, and two for short
 * ones (the rule the schema validator uses for keywords), so `genrate` and `chekc` find their
 * match but `nosuch` finds none. Case is ignored: `Generate` suggests `generate`.
 */
export function closeMatch(value: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lowered = candidates.map((candidate) => candidate.toLowerCase());
  const near = closest(value.toLowerCase(), lowered);
  const limit = Math.max(2, Math.floor(near.length / 3));
  return distance(value.toLowerCase(), near) <= limit ? candidates[lowered.indexOf(near)] : undefined;
}

/** The message, and `. Did you mean "x"?` when a candidate is close; `shown` turns the candidate into what the user types. */
export function withSuggestion(message: string, value: string, candidates: readonly string[], shown = (candidate: string) => candidate): string {
  const match = closeMatch(value, candidates);
  return match === undefined ? message : `${message}. Did you mean "${shown(match)}"?`;
}
