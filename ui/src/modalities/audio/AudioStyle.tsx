/**
 * The audio modality's stylesheet, rendered as a `<style>` element next to each renderer (the
 * task panel is a shadow root that app-level CSS cannot reach), and the small shared pieces of
 * its renderers: the notice shown instead of a player, and label colours with transparency.
 */
import audioCss from "./audio.css?inline";

export function AudioStyle() {
  return <style>{audioCss}</style>;
}

/** Said in place of a player that cannot work (no field, a URL, a refused file, no peaks). */
export function AudioNote(props: { children: string }) {
  return (
    <div className="audio-note not-available" role="note" data-testid="audio-note">
      <AudioStyle />
      {props.children}
    </div>
  );
}

/** `#rrggbb` (or `#rgb`) with an alpha; other CSS colours are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim())?.[1];
  if (hex === undefined) return color;
  const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join("") : hex;
  const red = parseInt(full.slice(0, 2), 16);
  const green = parseInt(full.slice(2, 4), 16);
  const blue = parseInt(full.slice(4, 6), 16);
  return `rgba(${red}, ${green}, ${blue}, ${alpha})`;
}
