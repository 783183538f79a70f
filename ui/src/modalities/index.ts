/**
 * Builds the registry with every modality the desktop app has. This is the one place that knows
 * all modalities; they never import each other.
 */
import { Registry } from "../annotation/registry";
import { registerAudioModality } from "./audio";
import { registerImageModality } from "./image";
import { registerLlmModality } from "./llm";
import { registerTextModality } from "./text";

export function createRegistry(): Registry {
  const registry = new Registry();
  registerTextModality(registry);
  registerLlmModality(registry);
  registerAudioModality(registry);
  registerImageModality(registry);
  return registry;
}
