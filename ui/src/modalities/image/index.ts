/**
 * The image modality: the `<Image>` object (the task's local image on a Konva canvas: zoom, pan,
 * fit, 1:1, brightness/contrast, region opacity, its keys) and the region controls on it —
 * `<RectangleLabels>` (with rotation), `<PolygonLabels>`, `<KeyPointLabels>` — saved as Label
 * Studio saves them (percent of the image, `original_width/height`). `<Choices>` and the other
 * whole-task or per-region controls are the general ones: an image region is a region like any
 * other.
 */
import type { Registry } from "../../annotation/registry";
import { keyPointLabelsRenderer, polygonLabelsRenderer, rectangleLabelsRenderer } from "./ImageLabelsControl";
import { ImageObject } from "./ImageObject";
import { ARROW_KEYS_RULE, imageKeyTargets } from "./keys";

export function registerImageModality(registry: Registry): void {
  registry.registerObject({ kind: "image", Component: ImageObject, keyTargets: imageKeyTargets, focusKeys: () => [ARROW_KEYS_RULE], wideCard: true });
  registry.registerControl(rectangleLabelsRenderer);
  registry.registerControl(polygonLabelsRenderer);
  registry.registerControl(keyPointLabelsRenderer);
}
