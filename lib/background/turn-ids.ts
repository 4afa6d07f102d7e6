/**
 * Turn ids are u32 and never 0 (reserved by the protocol). Starting at a random
 * point means ids stay distinct across worker restarts, so a late frame of a turn
 * from before a restart can never be taken for a new one.
 */
export function createTurnIds(random: () => number = Math.random): () => number {
  let next = 1 + Math.floor(random() * 0x7fffffff);
  return () => {
    const id = next;
    next = next >= 0xffffffff ? 1 : next + 1;
    return id;
  };
}
