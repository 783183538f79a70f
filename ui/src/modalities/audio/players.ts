/**
 * The audio players on screen, by object name, so the segment list (a control's side panel) can
 * play a segment on the waveform it belongs to. Within the audio modality only; one labelling
 * screen is shown at a time, so the last player mounted for a name wins.
 */

export interface AudioPlayerHandle {
  /** Plays from `start` and stops at `end` (seconds). */
  playRange: (start: number, end: number) => void;
}

const players = new Map<string, AudioPlayerHandle>();

export function registerAudioPlayer(objectName: string, handle: AudioPlayerHandle): () => void {
  players.set(objectName, handle);
  return () => {
    if (players.get(objectName) === handle) players.delete(objectName);
  };
}

export function audioPlayer(objectName: string): AudioPlayerHandle | undefined {
  return players.get(objectName);
}
