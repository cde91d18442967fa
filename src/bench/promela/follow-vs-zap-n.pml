/*
 * follow-vs-zap with N concurrent lookups, in Promela, for the exploration benchmark
 * (src/bench/exploration.ts, "lookups" rows): pfnlab's scenario
 * src/scenarios/mm/follow-vs-zap.ts with -p lookups=N and its other defaults
 * (leaf=pmd, zap=unmap_mapping_range, release=none, refault=false).
 *
 * Same steps as follow-vs-zap.pml (one atomic statement per scheduler step, in the
 * same places), but written as straight-line code per process instead of one `do` loop
 * over a step counter: Spin's partial order reduction can only tell that a statement
 * touches nothing shared when control flow is structured, and most of the lookup's
 * steps touch nothing the others see (mmap_read_lock by readers only, the p4d and pud
 * reads of entries nobody changes).
 *
 * The PMD ptlock is a test-and-set lock: a task waits until it is free and takes it in
 * one step. pfnlab's scheduler queues waiters FIFO and hands the lock over (a queued
 * acquire, then a wake-up step); modelled with a channel that queue made every lock
 * step touch shared state and cost Spin its partial order reduction (440k states at
 * N=4). Any waiter may win here, a superset of the FIFO orders: the same verdicts (the
 * stale pfn needs only the zap between the lockless read and the lock), more states.
 *
 * -DN=<lookups> (default 1). -DFIXED=1: the fix (ffef67b93aa3, reread under the lock);
 * default v6.12 (the "recheck" tests the value read before the lock). The assertion "no
 * stale pfn" is always compiled in: `pan -A` ignores it (the whole space, for counts),
 * plain `pan` stops at the first violation (the verdict).
 */
#ifndef N
#define N 1
#endif
#ifndef FIXED
#define FIXED 0
#endif

#define NONE 255

bool pmd = true;                /* the PMD leaf: present until the zap clears it */
byte ptl = NONE;                /* holder of the PMD table's ptlock (a pid) */

inline lockPtl() {
  atomic { ptl == NONE -> ptl = _pid }
}

inline unlockPtl() {
  ptl = NONE
}

active [N] proctype follow() {
  bool seen;
  bool stale = false;
  skip;                         /* mmap_read_lock (readers only: never blocks) */
  skip;                         /* ptRead: pgd_offset/p4dp_get */
  skip;                         /* ptRead: pudp_get (a table, not a leaf) */
  seen = pmd;                   /* ptRead: pmdp_get_lockless */
  if
  :: seen ->
     lockPtl();                 /* pmd_lock */
#if FIXED
     if                         /* ptRead: pmdp_get under pmd_lock */
     :: pmd -> skip
     :: else -> unlockPtl(); goto out   /* pmd gone: -EINVAL */
     fi;
#else
     stale = !pmd;              /* v6.12: the recheck looks at `seen`; the sanitizer sees a stale pfn */
#endif
     stale = stale || !pmd;     /* pfnUse: read the memory */
     assert(!stale);
     unlockPtl()                /* followPfnmapEnd: spin_unlock */
  :: else ->
#if FIXED
     skip                       /* !pmd_present: -EINVAL */
#else
     skip                       /* ptRead: pte_offset_map finds pmd none: -EINVAL */
#endif
  fi;
out:
  skip                          /* mmap_read_unlock */
}

active proctype zap() {
  skip;                         /* i_mmap_lock_read */
  skip;                         /* might_sleep: mmu_notifier_invalidate_range_start */
  skip;                         /* ptRead: p4d */
  skip;                         /* ptRead: pud */
  skip;                         /* ptRead: pmd (a huge leaf: zap_huge_pmd) */
  lockPtl();                    /* pmd_lock */
  skip;                         /* ptRead: recheck the pmd under the lock */
  pmd = false;                  /* ptWrite: clear the pmd leaf */
  unlockPtl();                  /* spin_unlock */
  skip;                         /* tlbFlush: tlb_finish_mmu */
  skip                          /* i_mmap_unlock_read */
}
