// Reads a callgrind dump (one event, Ir) and splits the instructions into V8's optimizing compiler,
// the garbage collector and everything else. The compiler runs on helper threads while the relay
// warms up and its share falls round after round (scenario 14); the rest is the steady work per chunk.
import { readFileSync } from 'node:fs';

export interface InstructionSplit {
  total: number;
  /** TurboFan and the rest of V8's compilers (`v8::internal::compiler::…`, compile jobs). */
  compiler: number;
  /** Scavenges, mark-compact, sweeping, concurrent marking (`v8::internal::Heap`, `Scavenger`, …). */
  gc: number;
}

const COMPILER_RE = /v8::internal::(compiler::|maglev::|baseline::|Compiler::|OptimizedCompilationJob|TurbofanCompilationJob|OptimizingCompileDispatcher|interpreter::BytecodeGenerator|Parser|Scanner)/;
const GC_RE = /v8::internal::(Heap::|Scavenger|ScavengerCollector|MarkCompact|MinorMarkCompact|MinorMarkSweep|ConcurrentMarking|IncrementalMarking|Sweeper|MarkingVisitor|MainMarkingVisitor|MarkingWorklist|EvacuationVerifier|Evacuator|FullEvacuator|PagedSpace|SemiSpace|NewSpace|RememberedSet|GlobalHandles|ArrayBufferSweeper|heap::)|heap::base::|cppgc::/;

/** Self cost per function, summed into the three groups. */
export function splitInstructions(path: string): InstructionSplit {
  const names = new Map<string, string>();
  const split: InstructionSplit = { total: 0, compiler: 0, gc: 0 };
  let current = '';
  let skipNext = false;
  // "fn=(12) name" defines id 12; "fn=(12)" refers to it. cfn= lines define names too.
  const name = (spec: string) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!match) return spec;
    const [, id = '', text] = match;
    if (text !== undefined) names.set(id, text);
    return names.get(id) ?? id;
  };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) {
      current = name(line.slice(3));
      continue;
    }
    if (line.startsWith('cfn=')) {
      name(line.slice(4));
      continue;
    }
    if (line.startsWith('calls=')) {
      // The cost line after a call is the callee's inclusive cost, already counted as its own self cost.
      skipNext = true;
      continue;
    }
    if (!/^[0-9+*-]/.test(line)) continue;
    if (skipNext) {
      skipNext = false;
      continue;
    }
    const cost = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(cost)) continue;
    split.total += cost;
    if (COMPILER_RE.test(current)) split.compiler += cost;
    else if (GC_RE.test(current)) split.gc += cost;
  }
  return split;
}

/** One counted round of scenario 14, per chunk: all instructions, V8's compilers, the GC. */
export interface CountedRound {
  tokens: number;
  total: number;
  compiler: number;
  gc: number;
}

/**
 * Steady instructions per chunk: all but V8's compilers and the GC (a major GC lands in a round or
 * not, and costs up to 20x a short round's own work), median over the rounds of each length; then per
 * delta and per turn from the two lengths (per chunk = delta + turn / deltas). GC is reported apart.
 */
export function steadyCost(
  rounds: readonly CountedRound[],
  longTokens: number,
  shortTokens: number,
): { long: number; short: number; perDelta: number; perTurn: number; gc: number } {
  const median = (tokens: number, pick: (r: CountedRound) => number) => {
    const of = rounds.filter((r) => r.tokens === tokens).map(pick).sort((a, b) => a - b);
    const mid = of.length / 2;
    return of.length % 2 === 1 ? (of[Math.floor(mid)] ?? Number.NaN) : ((of[mid - 1] ?? Number.NaN) + (of[mid] ?? Number.NaN)) / 2;
  };
  const steady = (r: CountedRound) => r.total - r.compiler - r.gc;
  const long = median(longTokens, steady);
  const short = median(shortTokens, steady);
  const perTurn = (short - long) / (1 / shortTokens - 1 / longTokens);
  return { long, short, perDelta: long - perTurn / longTokens, perTurn, gc: median(longTokens, (r) => r.gc) };
}
