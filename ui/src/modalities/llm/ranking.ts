/**
 * The Ranker's model, without React: columns of item ids (the list's own column, then one per
 * `<Bucket>`), reconciled with the task's items, and the moves the keyboard and the pointer make.
 * Every function returns new arrays; none mutates its input.
 */

/** Column id (the list object's name, or a bucket name) to item ids, in display order. */
export type RankerColumns = Readonly<Record<string, readonly string[]>>;

export interface ColumnSpec {
  id: string;
  title: string;
}

/** The list's column first (it holds what is not in a bucket yet), then the buckets. */
export function columnSpecs(listName: string, listTitle: string | null, buckets: ReadonlyArray<{ name: string; title: string | null }>): ColumnSpec[] {
  const listColumn = { id: listName, title: listTitle ?? (buckets.length > 0 ? "Not placed yet" : "Ranking") };
  return [listColumn, ...buckets.filter((bucket) => bucket.name !== listName).map((bucket) => ({ id: bucket.name, title: bucket.title ?? bucket.name }))];
}

/**
 * The columns to show for `saved` (null: untouched) and the task's item ids: unknown ids and
 * columns are dropped, each id is kept once, and items no column holds go to the end of the
 * list's column in data order.
 */
export function reconcile(specs: readonly ColumnSpec[], saved: RankerColumns | null, itemIds: readonly string[]): Record<string, string[]> {
  const known = new Set(itemIds);
  const placed = new Set<string>();
  const columns: Record<string, string[]> = {};
  for (const spec of specs) {
    columns[spec.id] = [];
    for (const id of saved?.[spec.id] ?? []) {
      if (!known.has(id) || placed.has(id)) continue;
      placed.add(id);
      columns[spec.id]?.push(id);
    }
  }
  const listColumn = specs[0]?.id;
  if (listColumn !== undefined) {
    for (const id of itemIds) if (!placed.has(id)) columns[listColumn]?.push(id);
  }
  return columns;
}

export interface Place {
  column: string;
  index: number;
}

export function findItem(columns: RankerColumns, id: string): Place | null {
  for (const [column, ids] of Object.entries(columns)) {
    const index = ids.indexOf(id);
    if (index >= 0) return { column, index };
  }
  return null;
}

/**
 * Moves `id` so that it lands at `to.index` of `to.column` (an index into the column as it is
 * after the item was taken out). Out-of-range indexes are clamped.
 */
export function moveItem(columns: RankerColumns, id: string, to: Place): Record<string, string[]> {
  const next: Record<string, string[]> = {};
  for (const [column, ids] of Object.entries(columns)) next[column] = ids.filter((candidate) => candidate !== id);
  const target = next[to.column];
  if (target === undefined || findItem(columns, id) === null) return { ...columns } as Record<string, string[]>;
  target.splice(Math.max(0, Math.min(to.index, target.length)), 0, id);
  return next;
}

/** One step up (-1) or down (+1) inside the item's column; stays put at the ends. */
export function moveWithinColumn(columns: RankerColumns, id: string, step: -1 | 1): Record<string, string[]> {
  const place = findItem(columns, id);
  if (place === null) return { ...columns } as Record<string, string[]>;
  return moveItem(columns, id, { column: place.column, index: place.index + step });
}

/** To the previous (-1) or next (+1) column, at the same position (clamped). */
export function moveAcrossColumns(columns: RankerColumns, specs: readonly ColumnSpec[], id: string, step: -1 | 1): Record<string, string[]> {
  const place = findItem(columns, id);
  if (place === null) return { ...columns } as Record<string, string[]>;
  const columnIdx = specs.findIndex((spec) => spec.id === place.column);
  const target = specs[columnIdx + step];
  if (target === undefined) return { ...columns } as Record<string, string[]>;
  return moveItem(columns, id, { column: target.id, index: place.index });
}

export function sameColumns(a: RankerColumns, b: RankerColumns): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const left = a[key] ?? [];
    const right = b[key];
    return right !== undefined && left.length === right.length && left.every((id, idx) => id === right[idx]);
  });
}
