// SPDX-License-Identifier: GPL-2.0
/*
 * pfnoracle: a test device for pfnlab's model. /dev/pfnoracle maps a reserved range of
 * physical memory (memmap=4G$4G on the guest's command line: pfns with no struct page,
 * like a PCI BAR) as VM_IO|VM_PFNMAP (or VM_MIXEDMAP) vmas, either all at mmap time
 * with remap_pfn_range() or at fault time with a huge_fault handler that follows the
 * fallback and alignment rules of pfnlab's vfio-pci model (src/mm/vfio-device.ts).
 * Ioctls run follow_pfnmap_start()/follow_pfnmap_end() on an address and report rc, pfn,
 * writable, special and which lock start() returned holding, walk the page tables to
 * say why a lookup failed, and zap with zap_vma_ptes() / unmap_mapping_range().
 *
 * Only for a throw-away qemu guest: no access control, no real device.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include "pfnoracle.h"

static unsigned long base_pfn = 0x100000;	/* 4 GiB */
module_param(base_pfn, ulong, 0444);
static unsigned long nr_pages = 0x100000;	/* 4 GiB */
module_param(nr_pages, ulong, 0444);

/* What the next mmap on this open file makes (PO_SET_MODE). */
struct po_file {
	struct po_mode mode;
};

/* Per vma: the mode it was made with. */
struct po_vma {
	struct po_mode mode;
};

static vm_fault_t po_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct po_vma *pv = vma->vm_private_data;
	unsigned long size = PAGE_SIZE << order;
	unsigned long addr = vmf->address;
	unsigned long pfn;

	if (pv->mode.rule == PO_RULE_ALIGN_DOWN)
		addr = ALIGN_DOWN(vmf->address, size);
	pfn = base_pfn + vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (order != 0 && order != PMD_ORDER && order != PUD_ORDER)
		return VM_FAULT_FALLBACK;
	if (order && pv->mode.rule != PO_RULE_ALIGN_DOWN && (vmf->address & (size - 1)))
		return VM_FAULT_FALLBACK;
	if (order && (addr < vma->vm_start || addr + size > vma->vm_end))
		return VM_FAULT_FALLBACK;
	if (order && pv->mode.rule != PO_RULE_V612 && (pfn & ((1UL << order) - 1)))
		return VM_FAULT_FALLBACK;
	switch (order) {
	case 0:
		return vmf_insert_pfn(vma, vmf->address, pfn);
	/* write = false, as vfio_pci_mmap_huge_fault() passes in 6.12. */
	case PMD_ORDER:
		return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), false);
	default:
		return vmf_insert_pfn_pud(vmf, __pfn_to_pfn_t(pfn, PFN_DEV), false);
	}
}

static vm_fault_t po_fault(struct vm_fault *vmf)
{
	return po_huge_fault(vmf, 0);
}

static void po_close(struct vm_area_struct *vma)
{
	kfree(vma->vm_private_data);
}

static void po_open(struct vm_area_struct *vma)
{
	struct po_vma *old = vma->vm_private_data;

	/* A split copies vm_private_data: give the new vma its own copy. */
	vma->vm_private_data = kmemdup(old, sizeof(*old), GFP_KERNEL);
}

static const struct vm_operations_struct po_huge_ops = {
	.open = po_open,
	.close = po_close,
	.fault = po_fault,
	.huge_fault = po_huge_fault,
};

static const struct vm_operations_struct po_remap_ops = {
	.open = po_open,
	.close = po_close,
};

static int po_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct po_file *pf = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	struct po_vma *pv;
	int ret;

	if (vma->vm_pgoff + (size >> PAGE_SHIFT) > nr_pages)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	pv = kzalloc(sizeof(*pv), GFP_KERNEL);
	if (!pv)
		return -ENOMEM;
	pv->mode = pf->mode;
	vma->vm_private_data = pv;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	switch (pf->mode.kind) {
	case PO_KIND_REMAP:
		vma->vm_ops = &po_remap_ops;
		vm_flags_set(vma, VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
		ret = remap_pfn_range(vma, vma->vm_start, base_pfn + vma->vm_pgoff, size, vma->vm_page_prot);
		if (ret) {
			kfree(pv);
			vma->vm_private_data = NULL;
		}
		return ret;
	case PO_KIND_HUGE:
		vma->vm_ops = &po_huge_ops;
		vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
		return 0;
	case PO_KIND_MIXED:
		vma->vm_ops = &po_huge_ops;
		vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP | (pf->mode.io ? VM_IO : 0));
		return 0;
	}
	kfree(pv);
	vma->vm_private_data = NULL;
	return -EINVAL;
}

/* Which lock follow_pfnmap_start() returned holding, by identity. Called with it held. */
static int lock_class(struct mm_struct *mm, unsigned long address, spinlock_t *lock)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	if (lock == &mm->page_table_lock)
		return PO_LOCK_PAGE_TABLE;
	pgd = pgd_offset(mm, address);
	p4d = p4d_offset(pgd, address);
	if (p4d_none(*p4d))
		return PO_LOCK_OTHER;
	pud = pud_offset(p4d, address);
	if (!pud_present(*pud) || pud_leaf(*pud))
		return PO_LOCK_OTHER;
	pmd = pmd_offset(pud, address);
	if (lock == pmd_lockptr(mm, pmd))
		return PO_LOCK_PMD;
	if (pmd_present(*pmd) && !pmd_leaf(*pmd) && lock == pte_lockptr(mm, pmd))
		return PO_LOCK_PTE;
	return PO_LOCK_OTHER;
}

/* Walk the page tables (mmap_lock held) and say where the walk of address stops. */
static int walk_stop(struct mm_struct *mm, unsigned long address)
{
	pgd_t *pgd = pgd_offset(mm, address);
	p4d_t *p4d = p4d_offset(pgd, address);
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte, ptent;

	if (p4d_none(*p4d))
		return PO_STOP_P4D_NONE;
	pud = pud_offset(p4d, address);
	if (!pud_present(*pud))
		return PO_STOP_PUD_NONE;
	if (pud_leaf(*pud))
		return PO_STOP_LEAF_PUD;
	pmd = pmd_offset(pud, address);
	if (!pmd_present(*pmd))
		return PO_STOP_PMD_NONE;
	if (pmd_leaf(*pmd))
		return PO_STOP_LEAF_PMD;
	/* x86-64 has no highmem: the table is in the direct map (__pte_offset_map is not exported). */
	pte = pte_offset_kernel(pmd, address);
	ptent = ptep_get(pte);
	return pte_present(ptent) ? PO_STOP_LEAF_PTE : PO_STOP_PTE_NONE;
}

static long po_follow(struct po_follow __user *uarg)
{
	struct po_follow f;
	struct follow_pfnmap_args args = {};
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	f.rc = 0;
	f.pfn = 0;
	f.writable = 0;
	f.special = 0;
	f.lock = PO_LOCK_NONE;
	f.pgprot = 0;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, f.vma_addr);
	if (!vma) {
		f.has_vma = 0;
		f.stop = PO_STOP_NO_VMA;
	} else {
		f.has_vma = 1;
		f.vm_flags = vma->vm_flags;
		f.vm_start = vma->vm_start;
		f.vm_end = vma->vm_end;
		args.vma = vma;
		args.address = f.address;
		f.rc = follow_pfnmap_start(&args);
		if (f.rc == 0) {
			f.pfn = args.pfn;
			f.writable = args.writable;
			f.special = args.special;
			f.pgprot = pgprot_val(args.pgprot);
			f.lock = lock_class(mm, f.address, args.lock);
			follow_pfnmap_end(&args);
		}
		if (f.address < vma->vm_start || f.address >= vma->vm_end)
			f.stop = PO_STOP_OUTSIDE;
		else if (!(vma->vm_flags & (VM_IO | VM_PFNMAP)))
			f.stop = PO_STOP_NOT_PFNMAP;
		else
			f.stop = walk_stop(mm, f.address);
	}
	mmap_read_unlock(mm);
	if (copy_to_user(uarg, &f, sizeof(f)))
		return -EFAULT;
	return 0;
}

static long po_zap(struct po_zap __user *uarg)
{
	struct po_zap z;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	long ret = 0;

	if (copy_from_user(&z, uarg, sizeof(z)))
		return -EFAULT;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, z.vma_addr);
	if (vma)
		zap_vma_ptes(vma, z.address, z.size);
	else
		ret = -ENOENT;
	mmap_read_unlock(mm);
	return ret;
}

static long po_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct po_file *pf = file->private_data;

	switch (cmd) {
	case PO_SET_MODE:
		if (copy_from_user(&pf->mode, (void __user *)arg, sizeof(pf->mode)))
			return -EFAULT;
		return 0;
	case PO_FOLLOW:
		return po_follow((struct po_follow __user *)arg);
	case PO_ZAP_VMA_PTES:
		return po_zap((struct po_zap __user *)arg);
	case PO_UNMAP_MAPPING_RANGE: {
		struct po_umr u;

		if (copy_from_user(&u, (void __user *)arg, sizeof(u)))
			return -EFAULT;
		unmap_mapping_range(file->f_mapping, u.holebegin, u.holelen, 1);
		return 0;
	}
	case PO_INFO: {
		struct po_info i = { .base_pfn = base_pfn, .nr_pages = nr_pages };

		return copy_to_user((void __user *)arg, &i, sizeof(i)) ? -EFAULT : 0;
	}
	}
	return -ENOTTY;
}

static int po_open_file(struct inode *inode, struct file *file)
{
	struct po_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	if (!pf)
		return -ENOMEM;
	pf->mode.kind = PO_KIND_HUGE;
	file->private_data = pf;
	return 0;
}

static int po_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations po_fops = {
	.owner = THIS_MODULE,
	.open = po_open_file,
	.release = po_release,
	.mmap = po_mmap,
	.unlocked_ioctl = po_ioctl,
};

static struct miscdevice po_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pfnoracle",
	.fops = &po_fops,
	.mode = 0666,
};

module_misc_device(po_misc);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pfnlab oracle: follow_pfnmap_start/end on remap_pfn_range and huge pfnmap vmas");
