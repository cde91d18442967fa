/* SPDX-License-Identifier: GPL-2.0 */
/* The ioctl interface of /dev/pfnoracle, shared by the module and the guest program. */
#ifndef PFNORACLE_H
#define PFNORACLE_H
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;
typedef int64_t __s64;
#endif

/* How the next mmap maps the device. */
enum { PO_KIND_REMAP = 0, PO_KIND_HUGE = 1, PO_KIND_MIXED = 2 };
/* The huge_fault alignment rule (pfnlab's VfioAlignRule). */
enum { PO_RULE_V612 = 0, PO_RULE_PFN = 1, PO_RULE_ALIGN_DOWN = 2 };
/* Which lock follow_pfnmap_start() returned holding. */
enum { PO_LOCK_NONE = 0, PO_LOCK_PAGE_TABLE = 1, PO_LOCK_PMD = 2, PO_LOCK_PTE = 3, PO_LOCK_OTHER = 4 };
/* Where a walk of the address stops (why a lookup failed, or the leaf it found). */
enum {
	PO_STOP_NO_VMA = 0, PO_STOP_OUTSIDE = 1, PO_STOP_NOT_PFNMAP = 2, PO_STOP_P4D_NONE = 3,
	PO_STOP_PUD_NONE = 4, PO_STOP_PMD_NONE = 5, PO_STOP_PTE_NONE = 6,
	PO_STOP_LEAF_PUD = 7, PO_STOP_LEAF_PMD = 8, PO_STOP_LEAF_PTE = 9,
};

struct po_mode {
	__u32 kind;
	__u32 rule;
	__u32 io;	/* PO_KIND_MIXED: add VM_IO */
	__u32 pad;
};

struct po_follow {
	__u64 vma_addr;	/* in: an address inside the vma passed as args.vma */
	__u64 address;	/* in: args.address */
	__s32 rc;
	__u32 has_vma;
	__u64 pfn;
	__u32 writable;
	__u32 special;
	__u32 lock;
	__u32 stop;
	__u64 vm_flags;
	__u64 vm_start;
	__u64 vm_end;
	__u64 pgprot;	/* pgprot_val(args.pgprot) */
};

struct po_zap {
	__u64 vma_addr;
	__u64 address;
	__u64 size;
};

struct po_umr {
	__s64 holebegin;
	__s64 holelen;
};

struct po_info {
	__u64 base_pfn;
	__u64 nr_pages;
};

#define PO_SET_MODE		_IOW('P', 1, struct po_mode)
#define PO_FOLLOW		_IOWR('P', 2, struct po_follow)
#define PO_ZAP_VMA_PTES		_IOW('P', 3, struct po_zap)
#define PO_UNMAP_MAPPING_RANGE	_IOW('P', 4, struct po_umr)
#define PO_INFO			_IOR('P', 5, struct po_info)

#endif
