import { micErrorCode } from './mic-errors.ts';

/**
 * Asks for the microphone from a visible extension page, then releases it at
 * once: the grant is what matters (it then also covers the offscreen recorder).
 */
export async function grantMicrophone(
  getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream>,
): Promise<{ granted: boolean; message: string }> {
  try {
    const stream = await getUserMedia({ audio: true });
    for (const track of stream.getTracks()) track.stop();
    return { granted: true, message: 'Microphone allowed. Go back to your tab and press the mic button again. You can close this tab.' };
  } catch (error) {
    const code = micErrorCode(error);
    if (code === 'NO_MICROPHONE') return { granted: false, message: 'No microphone was found. Connect one and press the button again.' };
    if (code === 'PERMISSION_DENIED') {
      return {
        granted: false,
        message:
          'The microphone was blocked. Click the camera/microphone icon in the address bar (or open the browser\'s site settings for Parley), allow the microphone, then press the button again.',
      };
    }
    return { granted: false, message: `The microphone could not be opened (${error instanceof Error ? error.message : String(error)}).` };
  }
}
