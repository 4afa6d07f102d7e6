/**
 * Wires duck-worklet.ts into the playback AudioContext (issue 11): the microphone stream (the same one
 * the VAD and the recorder use) into the gate, the gate's output into the gain AudioParam of the
 * answer's last GainNode (`answerGain`, whose own value stays 1: the gate adds gain minus one). The
 * duck then happens on the audio thread, in the quantum the voice arrives, whatever the main thread
 * is doing. Commands (arm, hold) go to the worklet by its port.
 */
import workletUrl from './duck-worklet.ts?worker&url';
import type { DuckGateCommand } from './duck-gate.ts';

export const DUCK_PROCESSOR = 'parley-duck-gate';

export interface DuckNode {
  command(command: DuckGateCommand): void;
  dispose(): void;
}

/** Contexts that already loaded the module (addModule twice is allowed but costs a fetch). */
const loaded = new WeakSet<BaseAudioContext>();

export async function createDuckNode(context: AudioContext, stream: MediaStream, answerGain: GainNode): Promise<DuckNode> {
  if (!loaded.has(context)) {
    await context.audioWorklet.addModule(workletUrl);
    loaded.add(context);
  }
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, DUCK_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  source.connect(node);
  node.connect(answerGain.gain);
  return {
    command: (command) => node.port.postMessage(command),
    dispose() {
      source.disconnect();
      node.disconnect();
      node.port.close();
      // The AudioParam loses the gate's input: the answer is back at the GainNode's own value, 1.
    },
  };
}
