/**
 * A binary min-heap of events ordered by (time, priority, sequence): the event loop of
 * the timed scheduler (SimPy keeps its queue the same way). `sequence` is assigned at
 * push time, so events with equal time and priority leave in insertion order and the
 * run is deterministic.
 */
export interface HeapEvent<T> {
  time: number;
  priority: number;
  seq: number;
  item: T;
}

export class EventHeap<T> {
  private readonly a: HeapEvent<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.a.length;
  }

  push(time: number, priority: number, item: T): HeapEvent<T> {
    if (!Number.isFinite(time)) throw new Error(`EventHeap.push: time ${time} is not finite`);
    const e: HeapEvent<T> = { time, priority, seq: this.nextSeq++, item };
    this.a.push(e);
    this.up(this.a.length - 1);
    return e;
  }

  peek(): HeapEvent<T> | undefined {
    return this.a[0];
  }

  pop(): HeapEvent<T> | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Remove every event whose item matches (used when a task leaves the run queue). */
  removeWhere(pred: (item: T) => boolean): number {
    const keep = this.a.filter((e) => !pred(e.item));
    const removed = this.a.length - keep.length;
    if (removed > 0) {
      this.a.length = 0;
      for (const e of keep) {
        this.a.push(e);
        this.up(this.a.length - 1);
      }
    }
    return removed;
  }

  private less(x: HeapEvent<T>, y: HeapEvent<T>): boolean {
    if (x.time !== y.time) return x.time < y.time;
    if (x.priority !== y.priority) return x.priority < y.priority;
    return x.seq < y.seq;
  }

  private up(i: number): void {
    const a = this.a;
    while (i > 0) {
      const p = Math.floor((i - 1) / 2);
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const a = this.a;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
