// SPDX-License-Identifier: GPL-2.0
/*
 * The guest half of pfnlab's oracle: reads a case file (one operation a line, sequences
 * between "seq N" and "end"), runs each sequence in a fresh child process against
 * /dev/pfnoracle and prints one JSON line per operation, prefixed "@o ", with the
 * process's VmPTE (kB) after the step. Static, no allocation after start-up, so the
 * child's own page tables do not move while a sequence runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "../module/pfnoracle.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static char out[4096];
static char status[8192];
static sigjmp_buf touch_jmp;
static volatile int touch_sig;

static void emit(const char *line)
{
	size_t n = strlen(line);
	memcpy(out, "@o ", 3);
	memcpy(out + 3, line, n);
	out[3 + n] = '\n';
	if (write(1, out, n + 4) < 0)
		_exit(3);
}

/* VmPTE of this process in kB (mm_pgtables_bytes >> 10), -1 if absent. */
static long vmpte(void)
{
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n;
	char *p;

	if (fd < 0)
		return -1;
	n = read(fd, status, sizeof(status) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	status[n] = 0;
	p = strstr(status, "VmPTE:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

static void on_fault(int sig)
{
	touch_sig = sig;
	siglongjmp(touch_jmp, 1);
}

/* Split line into at most max whitespace-separated tokens. */
static int tokens(char *line, char **tok, int max)
{
	int n = 0;
	char *s = strtok(line, " \t\r");

	while (s && n < max) {
		tok[n++] = s;
		s = strtok(NULL, " \t\r");
	}
	return n;
}

static unsigned long long num(const char *s)
{
	return strtoull(s, NULL, 0);
}

static void run_op(int fd, long q, int i, char **t, int n)
{
	char buf[1024];
	const char *op = t[0];

	buf[0] = 0;
	if (!strcmp(op, "mode") && n == 4) {
		struct po_mode m = { .kind = num(t[1]), .rule = num(t[2]), .io = num(t[3]) };
		int rc = ioctl(fd, PO_SET_MODE, &m) ? -errno : 0;

		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"mode\",\"rc\":%d", q, i, rc);
	} else if (!strcmp(op, "mmap") && n == 5) {
		unsigned long addr = num(t[1]), len = num(t[2]), pgoff = num(t[3]);
		int prot = PROT_READ | (num(t[4]) ? PROT_WRITE : 0);
		void *p = mmap((void *)addr, len, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, pgoff << 12);
		int rc = p == MAP_FAILED ? -errno : (p == (void *)addr ? 0 : -1000);

		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"mmap\",\"rc\":%d", q, i, rc);
	} else if (!strcmp(op, "anon") && n == 3) {
		unsigned long addr = num(t[1]), len = num(t[2]);
		void *p = mmap((void *)addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		int rc = p == MAP_FAILED ? -errno : (p == (void *)addr ? 0 : -1000);

		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"anon\",\"rc\":%d", q, i, rc);
	} else if (!strcmp(op, "touch") && n == 3) {
		volatile unsigned char *p = (volatile unsigned char *)(unsigned long)num(t[1]);
		int w = num(t[2]);

		touch_sig = 0;
		if (!sigsetjmp(touch_jmp, 1)) {
			if (w)
				*p = 0x5a;
			else
				(void)*p;
		}
		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"touch\",\"sig\":%d", q, i, touch_sig);
	} else if (!strcmp(op, "follow") && n == 3) {
		struct po_follow f = { .vma_addr = num(t[1]), .address = num(t[2]) };
		int rc = ioctl(fd, PO_FOLLOW, &f) ? -errno : 0;

		snprintf(buf, sizeof(buf),
			 "{\"q\":%ld,\"i\":%d,\"op\":\"follow\",\"ioctl\":%d,\"vma\":%u,\"rc\":%d,\"pfn\":%llu,\"w\":%u,\"sp\":%u,\"lock\":%u,\"stop\":%u,\"flags\":%llu,\"prot\":%llu",
			 q, i, rc, f.has_vma, f.rc, (unsigned long long)f.pfn, f.writable, f.special, f.lock, f.stop,
			 (unsigned long long)f.vm_flags, (unsigned long long)(f.pgprot & 0x1fff));
	} else if (!strcmp(op, "zap") && n == 4) {
		struct po_zap z = { .vma_addr = num(t[1]), .address = num(t[2]), .size = num(t[3]) };
		int rc = ioctl(fd, PO_ZAP_VMA_PTES, &z) ? -errno : 0;

		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"zap\",\"rc\":%d", q, i, rc);
	} else if (!strcmp(op, "umr") && n == 3) {
		struct po_umr u = { .holebegin = num(t[1]), .holelen = num(t[2]) };
		int rc = ioctl(fd, PO_UNMAP_MAPPING_RANGE, &u) ? -errno : 0;

		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"umr\",\"rc\":%d", q, i, rc);
	} else if (!strcmp(op, "munmap") && n == 3) {
		int rc = munmap((void *)(unsigned long)num(t[1]), num(t[2])) ? -errno : 0;

		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"munmap\",\"rc\":%d", q, i, rc);
	} else {
		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":%d,\"op\":\"bad\",\"rc\":-1", q, i);
	}
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ",\"pte\":%ld}", vmpte());
	emit(buf);
}

/* Child: run the ops of one sequence (lines[from..to)) in a fresh mm. */
static void run_sequence(long q, char **lines, int from, int to)
{
	char copy[512];
	char *t[8];
	int fd = open("/dev/pfnoracle", O_RDWR);
	struct sigaction sa = { .sa_handler = on_fault };
	char buf[128];

	if (fd < 0) {
		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"error\":\"open /dev/pfnoracle: %d\"}", q, errno);
		emit(buf);
		_exit(2);
	}
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/*
	 * Warm up before the baseline: write every static buffer (copy-on-write after fork,
	 * possibly splitting a huge page) and run the deepest op path once (a lookup with no
	 * vma), so later steps change VmPTE only through the case's own mappings.
	 */
	memset(out, 0, sizeof(out));
	memset(status, 0, sizeof(status));
	memset(&touch_jmp, 0, sizeof(touch_jmp));
	touch_sig = 0;
	{
		char w0[] = "follow", w1[] = "0", w2[] = "0";
		char *wt[3] = { w0, w1, w2 };

		run_op(fd, q, -2, wt, 3);
	}
	snprintf(buf, sizeof(buf), "{\"q\":%ld,\"i\":-1,\"op\":\"start\",\"pte\":%ld}", q, vmpte());
	emit(buf);
	for (int i = from; i < to; i++) {
		int n;

		strncpy(copy, lines[i], sizeof(copy) - 1);
		copy[sizeof(copy) - 1] = 0;
		n = tokens(copy, t, 8);
		if (n)
			run_op(fd, q, i - from, t, n);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	static char file[1 << 22];
	static char *lines[1 << 16];
	int nlines = 0, fd, infd;
	ssize_t len = 0, r;
	struct utsname u;
	struct po_info info = {};
	char buf[512];

	infd = open(argc > 1 ? argv[1] : "/cases.txt", O_RDONLY);
	if (infd < 0)
		return 1;
	while ((r = read(infd, file + len, sizeof(file) - 1 - len)) > 0)
		len += r;
	file[len] = 0;
	for (char *s = file; *s && nlines < (1 << 16);) {
		char *e = strchr(s, '\n');

		lines[nlines++] = s;
		if (!e)
			break;
		*e = 0;
		s = e + 1;
	}
	uname(&u);
	fd = open("/dev/pfnoracle", O_RDWR);
	if (fd >= 0)
		ioctl(fd, PO_INFO, &info);
	snprintf(buf, sizeof(buf), "{\"uname\":\"%s\",\"base_pfn\":%llu,\"nr_pages\":%llu,\"dev\":%d}", u.release,
		 (unsigned long long)info.base_pfn, (unsigned long long)info.nr_pages, fd >= 0);
	emit(buf);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < nlines; i++) {
		long q;
		int j, status;
		pid_t pid;

		if (strncmp(lines[i], "seq ", 4))
			continue;
		q = strtol(lines[i] + 4, NULL, 10);
		for (j = i + 1; j < nlines && strcmp(lines[j], "end"); j++)
			;
		pid = fork();
		if (pid == 0)
			run_sequence(q, lines, i + 1, j);
		waitpid(pid, &status, 0);
		snprintf(buf, sizeof(buf), "{\"q\":%ld,\"exit\":%d}", q, status);
		emit(buf);
		i = j;
	}
	emit("{\"done\":true}");
	/* The console drains slower than we write: wait for it, or poweroff cuts the tail. */
	tcdrain(1);
	return 0;
}
