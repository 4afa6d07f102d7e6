// Scenario 14's figures come from these two functions: a dump read wrongly (a call's inclusive cost
// counted again as self cost, a compressed name not resolved) or a wrong solve for per-delta and
// per-turn work would skew every row.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitInstructions, steadyCost } from '../../../bench/lib/callgrind.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-callgrind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A dump in callgrind's format with name compression and relative positions, as valgrind 3.19 writes it.
const DUMP = `# callgrind format
version: 1
creator: callgrind-3.19.0
events: Ir

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) v8::internal::compiler::GraphReducer::ReduceTop()
0x100 1000
+4 500
cfn=(2) v8::internal::Scavenger::ScavengeObject(v8::internal::HeapObject)
calls=1 0x200
* 700
fn=(2)
0x200 700
fn=(3) Builtins_LoadIC
0x300 250
-2 50
fn=(1)
0x104 100

totals: 2600
`;

describe('callgrind dump split', () => {
  it('sums self costs per group, skipping the inclusive cost of calls', () => {
    const file = join(dir, 'dump.1');
    writeFileSync(file, DUMP);
    expect(splitInstructions(file)).toEqual({ total: 2600, compiler: 1600, gc: 700 });
  });
});

describe('steady cost per delta and per turn', () => {
  const round = (tokens: number, total: number, compiler = 0, gc = 0) => ({ tokens, total, compiler, gc });

  it('solves per chunk = per delta + per turn / deltas from the two answer lengths', () => {
    // 100 per delta and 1,000 per turn: 120 per chunk at 50 deltas, 300 at 5.
    const cost = steadyCost([round(50, 120), round(5, 300), round(50, 120), round(5, 300)], 50, 5);
    expect(cost.perDelta).toBeCloseTo(100, 6);
    expect(cost.perTurn).toBeCloseTo(1000, 6);
    expect(cost.long).toBeCloseTo(120, 6);
  });

  it('leaves out the compilers and the GC, and takes the median round so one major GC does not count', () => {
    const cost = steadyCost([
      round(50, 520, 400),
      round(5, 300, 0, 0),
      round(50, 120 + 90, 0, 90),
      round(5, 5000, 0, 4700),
      round(50, 121),
      round(5, 301),
      round(50, 119),
      round(5, 2000),
    ], 50, 5);
    expect(cost.long).toBeCloseTo(120, 6);
    expect(cost.short).toBeCloseTo(300.5, 6);
    expect(cost.gc).toBeCloseTo(0, 6);
  });
});
