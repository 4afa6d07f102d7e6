/**
 * The microphone as every Parley recorder opens it (issue 11): echo cancellation so answers played
 * beside the mic do not come back as the user's speech, noise suppression so a fan is not a turn, and
 * auto gain so a quiet speaker still reaches the VAD's threshold.
 */
export const MIC_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
};

/** The same with echo cancellation off (the options' escape hatch; the self-check then picks half-duplex). */
export function micConstraints(echoCancellation: boolean): MediaStreamConstraints {
  return { audio: { echoCancellation, noiseSuppression: true, autoGainControl: true, channelCount: 1 } };
}
