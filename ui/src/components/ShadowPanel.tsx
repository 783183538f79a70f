/**
 * A container whose children render inside an open shadow root.
 *
 * Why a shadow root: `<Style>` tags in labelling configs hold arbitrary CSS, written for Label
 * Studio's page. Rewriting selectors to scope them is fragile (`:root`, `body`, `@media`, brace
 * tricks) and `@scope` is too new for older WebKitGTK. Inside a shadow root, no selector can
 * match anything outside it, and the host's `contain: layout paint` also keeps `position: fixed`
 * content from covering the app's own buttons. App-wide CSS custom properties still inherit in,
 * so the panel follows the app's theme.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";

export function ShadowPanel(props: {
  /** The panel's own base CSS (the app stylesheet does not reach into the shadow root). */
  baseCss: string;
  className?: string;
  children: ReactNode;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [mountPoint, setMountPoint] = useState<HTMLElement | null>(null);
  const { baseCss } = props;

  useLayoutEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const shadowRoot = host.shadowRoot ?? host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = baseCss;
    const container = document.createElement("div");
    container.className = "panel-root";
    shadowRoot.replaceChildren(style, container);
    setMountPoint(container);
    return () => {
      shadowRoot.replaceChildren();
      setMountPoint(null);
    };
  }, [baseCss]);

  return (
    <div ref={hostRef} className={props.className} style={{ contain: "layout paint" }}>
      {mountPoint !== null && createPortal(props.children, mountPoint)}
    </div>
  );
}
