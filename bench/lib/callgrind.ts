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
