/**
 * The AudioWorklet side of duck-gate.ts, loaded into the PLAYBACK AudioContext by duck-node.ts (bundled
 * as its own file by Vite's `?worker&url`, served from the extension: CSP 'self', Chrome and Firefox).
 * Input: the microphone. Output: the answer's gain minus one, into a GainNode's gain AudioParam.
 */
import { createDuckGate, type DuckGateCommand } from './duck-gate.ts';

// The worklet scope's globals (TypeScript's DOM library does not describe AudioWorkletGlobalScope).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

/** Must match DUCK_PROCESSOR in duck-node.ts (duplicated: importing that module would pull Web Audio main-thread code in here). */
const NAME = 'parley-duck-gate';

class DuckGateProcessor extends AudioWorkletProcessor {
  private readonly gate = createDuckGate(sampleRate);

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<DuckGateCommand>) => this.gate.command(event.data);
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (out) this.gate.process(inputs[0]?.[0], out);
    // Kept alive while connected: the node is disconnected and dropped when the mic is released.
    return true;
  }
}

registerProcessor(NAME, DuckGateProcessor);
