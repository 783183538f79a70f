/**
 * Relations between regions (`<Relations>`): the in-memory shape and the edits the editor makes.
 * A relation is saved as Label Studio's `{from_id, to_id, type: "relation", direction, labels}`;
 * the `id` here only lets the side panel select one, and is not saved.
 */
export type RelationDirection = "right" | "left" | "bi";

export interface RelationEdge {
  id: string;
  from_id: string;
  to_id: string;
  direction: RelationDirection;
  labels: readonly string[];
}

export const DIRECTIONS: readonly RelationDirection[] = ["right", "left", "bi"];

export function nextDirection(direction: RelationDirection): RelationDirection {
  return DIRECTIONS[(DIRECTIONS.indexOf(direction) + 1) % DIRECTIONS.length] ?? "right";
}

export function directionArrow(direction: RelationDirection): string {
  return direction === "right" ? "→" : direction === "left" ? "←" : "↔";
}

export function isDirection(value: string): value is RelationDirection {
  return (DIRECTIONS as readonly string[]).includes(value);
}
