/**
 * The lookup baseline: a minimal hand-written x86-64 4-level page table in one
 * Float64Array (512 entries per table, table 0 is the pgd) and the walk a C programmer
 * would write: four indexed reads, a present check and a huge-leaf check per level, the
 * pfn offset arithmetic. No locks, no checks, no objects: the floor a model lookup
 * is compared against. Entries use the model's encoding (pfn * 4096 + flags), table
 * pointers hold a table number instead of a pfn.
 */
const PRESENT = 0x1;
const PSE = 0x80;
const TABLE_FLAGS = 0x67;

/**
 * The flag bits of an entry. Written as x - floor(x / 4096) * 4096 because V8 computes
 * x % 4096 with a slow fmod once x exceeds 2^31 (every entry holding a pfn does): the
 * baseline should be as fast as a careful hand-written walk can be.
 */
function low12(e: number): number {
  return e - Math.floor(e / 4096) * 4096;
}

/** Index into the table at the level whose entries span `span` bytes. */
function idx(va: number, span: number): number {
  const q = Math.floor(va / span);
  return q - Math.floor(q / 512) * 512;
}

export class MiniPageTable {
  private pool = new Float64Array(512 * 64);
  private tables = 1;

  /** Map `pages` 4 KiB pages from `va` to `pfn` with leaves of `leafPages` pages (1, 512, 262144). */
  map(va: number, pfn: number, pages: number, leafPages: 1 | 512 | 262144, flags: number): void {
    const depth = leafPages === 1 ? 3 : leafPages === 512 ? 2 : 1;
    for (let p = 0; p < pages; p += leafPages) {
      const a = va + p * 4096;
      let t = 0;
      for (let level = 0; level < depth; level++) {
        const i = t * 512 + idx(a, 2 ** (39 - 9 * level));
        if (this.pool[i] === 0) this.pool[i] = this.newTable() * 4096 + TABLE_FLAGS;
        t = Math.floor(this.pool[i]! / 4096);
      }
      const i = t * 512 + idx(a, 2 ** (39 - 9 * depth));
      this.pool[i] = (pfn + p) * 4096 + flags + (leafPages === 1 ? 0 : PSE);
    }
  }

  /** The pfn mapped at `va`, or -1. */
  walk(va: number): number {
    const pool = this.pool;
    let e = pool[idx(va, 549755813888)]!;
    if ((low12(e) & PRESENT) === 0) return -1;
    e = pool[Math.floor(e / 4096) * 512 + idx(va, 1073741824)]!;
    let f = low12(e);
    if ((f & PRESENT) === 0) return -1;
    if ((f & PSE) !== 0)
      return Math.floor(e / 4096) + Math.floor((va - Math.floor(va / 1073741824) * 1073741824) / 4096);
    e = pool[Math.floor(e / 4096) * 512 + idx(va, 2097152)]!;
    f = low12(e);
    if ((f & PRESENT) === 0) return -1;
    if ((f & PSE) !== 0) return Math.floor(e / 4096) + Math.floor((va - Math.floor(va / 2097152) * 2097152) / 4096);
    e = pool[Math.floor(e / 4096) * 512 + idx(va, 4096)]!;
    if ((low12(e) & PRESENT) === 0) return -1;
    return Math.floor(e / 4096);
  }

  private newTable(): number {
    if ((this.tables + 1) * 512 > this.pool.length) {
      const bigger = new Float64Array(this.pool.length * 2);
      bigger.set(this.pool);
      this.pool = bigger;
    }
    return this.tables++;
  }
}
