// Copies of a session for the memory store, which hands out copies only (issue 10: no shared object
// identity between the store and connections). Per turn the store copies the session four times
// (two writes, each a copy for `mutate` and one to keep). Written out for SessionState's known,
// flat shape: object spreads are a single step each even while the relay's per-turn code is still
// cold (interpreted), where a JSON round trip or a generic recursive copy costs several times more
// (docs/reliability.md, "Counted per turn").
import type { SessionSettings } from '../../protocol/index.ts';
import type { StoredContext } from './context.ts';
import type { HistoryEntry, SessionState } from './session.ts';
import type { InFlightTurn } from './turns-in-flight.ts';

/**
 * Compiles only while every field of T is a primitive: a spread copies an object field by
 * reference, so a nested object added to one of these types must be copied here explicitly
 * (as `context` is), and this check makes the compiler say so.
 */
type Flat<T> = { [K in keyof T]-?: Exclude<T[K], undefined> extends string | number | boolean ? true : false }[keyof T];
type AssertFlat<T extends true> = T;
export type SessionShapeIsFlat = [
  AssertFlat<Flat<SessionSettings>>,
  AssertFlat<Flat<StoredContext>>,
  AssertFlat<Flat<InFlightTurn>>,
  AssertFlat<Flat<Omit<HistoryEntry, 'context'>>>,
];
/** SessionState's own fields: a new one must be copied in copySessionState. */
type Known = 'history' | 'settings' | 'inFlight';
export type SessionFieldsAreKnown = AssertFlat<Exclude<keyof SessionState, Known> extends never ? true : false>;

const copyEntry = (entry: HistoryEntry): HistoryEntry => (entry.context === undefined ? { ...entry } : { ...entry, context: { ...entry.context } });
const copyMarker = (marker: InFlightTurn): InFlightTurn => ({ ...marker });

/** A copy that shares no object with `state`. */
export function copySessionState(state: SessionState): SessionState {
  const copy: SessionState = { history: state.history.map(copyEntry), settings: { ...state.settings } };
  if (state.inFlight !== undefined) copy.inFlight = state.inFlight.map(copyMarker);
  return copy;
}
