/*
 * follow-vs-zap in Promela, for the exploration benchmark (src/bench/exploration.ts):
 * the same two tasks, steps and scheduling points as pfnlab's scenario
 * src/scenarios/mm/follow-vs-zap.ts with its default params (leaf=pmd,
 * zap=unmap_mapping_range, release=none, refault=false, callers=1).
 *
 * One transition = one scheduler step: the step's effect (lock acquire/release, a
 * page-table read or write, might_sleep, the use of the pfn) plus the code that runs up
 * to the task's next effect. Each task is a state machine over its step counter `pc`;
 * every step is one d_step, so Spin interleaves the tasks exactly where the scheduler
 * may switch. Locks: the PMD ptlock is a spinlock with a FIFO handoff, as the scheduler
 * has it (a contended acquire is one step that queues, the release hands the lock to
 * the waiter, and the waiter's wake-up is one more step). mmap_lock and i_mmap_rwsem
 * are each taken by one task only, so their acquire/release steps never block.
 *
 * Variant: -DFIXED=0 (default) is v6.12: after pmd_lock the "recheck" tests the value
 * read before the lock, so a zap in between goes unnoticed (stale-pfn). -DFIXED=1 is
 * the fix (ffef67b93aa3): the pmd is reread under the lock.
 * -DCHECK=1 adds the assertion "no stale pfn" (the state-count runs leave it out).
 */
#ifndef FIXED
#define FIXED 0
#endif
#ifndef CHECK
#define CHECK 0
#endif

#define NONE 2          /* no task */
#define F 0             /* the follow task */
#define Z 1             /* the zap task */

#define OK 1
#define EINVAL 2
#define STALE 4

bool pmd = true;        /* the PMD leaf the lookup targets: present until the zap clears it */
byte ptl = NONE;        /* holder of the PMD table's ptlock */
byte ptlWaiter = NONE;  /* the queued waiter (two tasks: at most one) */
byte outcome = 0;       /* the follow task's outcome, as the sanitizer classifies it */

/* Release the ptlock: hand it to the waiter, if any (FIFO handoff). */
#define RELEASE_PTL  ptl = ptlWaiter; ptlWaiter = NONE

active proctype follow() {
  byte pc = 0;
  bool seen = false;    /* the pmd value read without the lock (present?) */
end:
  do
  :: d_step { pc == 0 -> pc = 1 }                       /* mmap_read_lock */
  :: d_step { pc == 1 -> pc = 2 }                       /* ptRead: pgd_offset/p4dp_get */
  :: d_step { pc == 2 -> pc = 3 }                       /* ptRead: pudp_get (a table, not a leaf) */
  :: d_step { pc == 3 -> seen = pmd;                     /* ptRead: pmdp_get_lockless */
       if
       :: seen -> pc = 4                                 /* a leaf: pmd_lock next */
#if FIXED
       :: else -> outcome = EINVAL; pc = 9               /* !pmd_present: -EINVAL */
#else
       :: else -> pc = 31                                /* not a leaf: pte_offset_map_lock */
#endif
       fi }
  :: d_step { pc == 31 -> outcome = EINVAL; pc = 9 }     /* ptRead: pte_offset_map finds pmd none: -EINVAL */
  /* pmd_lock: take it, or queue behind the zap */
  :: d_step { pc == 4 && ptl == NONE -> ptl = F;
#if FIXED
       pc = 5 }
#else
       if :: pmd -> outcome = OK :: else -> outcome = STALE fi; pc = 6 }
#endif
  :: d_step { pc == 4 && ptl != NONE -> ptlWaiter = F; pc = 41 }
  :: d_step { pc == 41 && ptl == F ->                     /* woken with the lock handed over */
#if FIXED
       pc = 5 }
#else
       if :: pmd -> outcome = OK :: else -> outcome = STALE fi; pc = 6 }
#endif
  :: d_step { pc == 5 ->                                  /* ptRead: pmdp_get under pmd_lock (fixed only) */
       if :: pmd -> outcome = OK; pc = 6 :: else -> pc = 51 fi }
  :: d_step { pc == 51 -> RELEASE_PTL; outcome = EINVAL; pc = 9 }  /* spin_unlock (pmd gone): -EINVAL */
  :: d_step { pc == 6 -> if :: !pmd -> outcome = STALE :: else -> skip fi; pc = 7 }  /* pfnUse: read the memory */
  :: d_step { pc == 7 -> RELEASE_PTL; pc = 9 }           /* followPfnmapEnd: spin_unlock */
  :: d_step { pc == 9 -> pc = 10 }                       /* mmap_read_unlock */
  od
}

active proctype zap() {
  byte pc = 0;
end:
  do
  :: d_step { pc == 0 -> pc = 1 }                       /* i_mmap_lock_read */
  :: d_step { pc == 1 -> pc = 2 }                       /* might_sleep: mmu_notifier_invalidate_range_start */
  :: d_step { pc == 2 -> pc = 3 }                       /* ptRead: p4d */
  :: d_step { pc == 3 -> pc = 4 }                       /* ptRead: pud */
  :: d_step { pc == 4 -> pc = 5 }                       /* ptRead: pmd (a huge leaf: zap_huge_pmd) */
  :: d_step { pc == 5 && ptl == NONE -> ptl = Z; pc = 6 }           /* pmd_lock */
  :: d_step { pc == 5 && ptl != NONE -> ptlWaiter = Z; pc = 51 }    /* pmd_lock: queue */
  :: d_step { pc == 51 && ptl == Z -> pc = 6 }                      /* woken with the lock */
  :: d_step { pc == 6 -> pc = 7 }                       /* ptRead: recheck the pmd under the lock */
  :: d_step { pc == 7 -> pmd = false; pc = 8 }          /* ptWrite: clear the pmd leaf */
  :: d_step { pc == 8 -> RELEASE_PTL; pc = 9 }          /* spin_unlock */
  :: d_step { pc == 9 -> pc = 10 }                      /* tlbFlush: tlb_finish_mmu */
  :: d_step { pc == 10 -> pc = 11 }                     /* i_mmap_unlock_read */
  od
}

#if CHECK
/* The sanitizer's verdict as an invariant, checked at the end of every run. */
active proctype sanitizer() {
  timeout -> assert(outcome != STALE)
}
#endif
