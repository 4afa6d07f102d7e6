// Is a configured token strong enough to guard the OpenAI key? Tokens from the environment are
// chosen by people; this refuses the ones a guesser would try first (issue 10). Tokens the relay
// generates itself (32 random bytes) always pass.

export const MIN_TOKEN_LENGTH = 32;
/** Bits estimated from the token's own character frequencies: 32 random hex digits gave 90 or more
 * (lowest of 100,000 tries), 43 random base64url characters 180 or more. */
const MIN_ESTIMATED_BITS = 80;
const MIN_DISTINCT_CHARS = 8;
// Words of six or more letters only: a random 43-character token contains one by chance with a
// probability far below one in a million.
const COMMON_WORDS = ['password', 'passwd', 'secret', 'changeme', 'letmein', 'qwerty', 'azerty', '12345678', 'abcdefgh', 'parley', 'welcome', 'iloveyou', 'default'];

export const STRONG_TOKEN_HINT =
  'Generate one with `node -e "console.log(require(\'node:crypto\').randomBytes(32).toString(\'base64url\'))"`, ' +
  'or unset it to have the relay generate and store one, or issue per-person tokens with `npm run relay -- tokens add NAME`.';

/** Shannon entropy of the character distribution times the length: generous to human choices, harsh to repetition. */
export function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / token.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * token.length;
}

/** Why this token is weak, in words that never quote it; undefined when it is acceptable. */
export function weakTokenReason(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `it is shorter than ${MIN_TOKEN_LENGTH} characters`;
  if (/^(.+?)\1+$/s.test(token)) return 'it is one short pattern repeated';
  const lower = token.toLowerCase();
  const word = COMMON_WORDS.find((w) => lower.includes(w));
  if (word !== undefined) return `it contains the common word "${word}"`;
  if (new Set(token).size < MIN_DISTINCT_CHARS) return `it uses fewer than ${MIN_DISTINCT_CHARS} different characters`;
  if (estimatedBits(token) < MIN_ESTIMATED_BITS) return 'it is too predictable (too little variety for its length)';
  return undefined;
}
