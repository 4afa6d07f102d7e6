// The one-time microphone grant page (an offscreen document cannot prompt). Wiring only.
import { sendMessage } from '../../lib/messages.ts';
import { grantMicrophone } from '../../lib/recorder/grant-microphone.ts';

const button = document.querySelector<HTMLButtonElement>('#allow');
const result = document.querySelector<HTMLParagraphElement>('#result');

button?.addEventListener('click', async () => {
  button.disabled = true;
  const outcome = await grantMicrophone((constraints) => navigator.mediaDevices.getUserMedia(constraints));
  if (result) {
    result.textContent = outcome.message;
    result.dataset.kind = outcome.granted ? 'ok' : 'error';
  }
  button.disabled = outcome.granted;
  // The background clears the "permission denied" message in the chat panel.
  await sendMessage('micPermissionResult', { granted: outcome.granted }).catch((error: unknown) =>
    console.warn('[parley] could not tell the background about the microphone grant', error),
  );
});
