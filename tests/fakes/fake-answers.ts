// Deterministic content the fake OpenAI produces: chat answers, transcripts and
// the way an answer is cut into stream deltas. Tests import these to predict output.

export interface ChatMessageText {
  role: string;
  content: string;
}

const DEFAULT_TRANSCRIPT = 'What is the capital of France?';

/** What the fake "hears" in any audio upload unless a test supplies its own transcript function. */
export function defaultTranscript(): string {
  return DEFAULT_TRANSCRIPT;
}

/**
 * A multi-sentence answer that proves the model saw the conversation: it quotes the
 * latest and the previous user message and counts user turns. The fixed sentences
 * carry a comma, an abbreviation ("e.g.") and a decimal number ("3.14") so sentence
 * splitters for text-to-speech get exercised on every turn.
 */
export function defaultAnswer(messages: ChatMessageText[]): string {
  const userMessages = messages.filter((m) => m.role === 'user').map((m) => m.content.trim());
  const latest = userMessages.at(-1) ?? '';
  const previous = userMessages.at(-2);
  const sentences = [
    /capital of france/i.test(latest) ? 'The capital of France is Paris.' : 'Here is a short answer from the fake model.',
    `You asked: "${latest}".`,
  ];
  if (previous !== undefined) sentences.push(`Earlier you asked: "${previous}".`);
  sentences.push(
    `This is user turn ${userMessages.length} of our conversation.`,
    'Small details matter, e.g. pi is roughly 3.14, and that is fine.',
    'Thanks for listening!',
  );
  return sentences.join(' ');
}

/**
 * How the fake splits an answer into content deltas: word-ish pieces with their
 * trailing whitespace, so `tokenize(t).join('') === t` always holds.
 */
export function tokenize(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}
