/** Sound and vibration for a new call, where the browser allows them: sound needs a user
 * gesture first (the AudioContext is opened on the first tap), vibration needs support. */
let audio: AudioContext | null = null;

export function armSound(): void {
  const open = () => {
    try {
      audio ??= new AudioContext();
      void audio.resume();
    } catch {
      audio = null;
    }
  };
  window.addEventListener("pointerdown", open, { once: true, capture: true });
  window.addEventListener("keydown", open, { once: true, capture: true });
}

export function alertNewCall(): void {
  try {
    navigator.vibrate?.([400, 150, 400, 150, 400]);
  } catch {
    /* not allowed */
  }
  if (!audio || audio.state !== "running") return;
  const start = audio.currentTime;
  for (let i = 0; i < 3; i += 1) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "square";
    tone.frequency.value = i % 2 ? 660 : 880;
    gain.gain.setValueAtTime(0.25, start + i * 0.35);
    gain.gain.setValueAtTime(0, start + i * 0.35 + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + i * 0.35);
    tone.stop(start + i * 0.35 + 0.3);
  }
}
