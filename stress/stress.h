/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the Cross Memory Attach stress and fuzz programs:
 * raw system calls, a seeded random number generator, the data pattern,
 * the clock, shared memory, bounded waits for children and TAP output.
 */
#ifndef STRESS_H
#define STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif

#define KSFT_SKIP 4

/* Options every program takes: -t seconds, -n calls, -s seed, -v. */
struct common_opts {
	double secs;
	unsigned long max_calls;	/* 0: no limit */
	uint64_t seed;
	int verbose;
};

/* Failures each process describes: 8, or all with -v. */
extern unsigned int max_reports;

extern const char *prog;	/* program name, for messages */
extern size_t page;		/* sysconf(_SC_PAGESIZE) */

/* Set prog and page, line-buffer stdout. */
void stress_init(const char *name);

/*
 * Handle one of the common options (t, n, s, v); returns false if @opt
 * is not one of them.  common_getopt is their getopt() string.
 */
#define COMMON_GETOPT "t:n:s:vh"
bool common_opt(struct common_opts *o, int opt, const char *arg);
void common_defaults(struct common_opts *o, double secs);
void print_common_usage(void);

/* Print the seed and the bounds as TAP comments. */
void print_header(const struct common_opts *o);

unsigned long parse_ulong(const char *s, const char *what);

/* Print a message (with strerror if @err) and exit 1; "Bail out!" in TAP. */
void bail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* A comment line ("# ...") on stdout. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void tap_plan(int n);
void tap_result(int n, bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "ok 1 name # SKIP why" on every test of the plan, exit KSFT_SKIP. */
void tap_skip_all(int n, const char *why) __attribute__((noreturn));

/* process_vm_readv()/process_vm_writev() through syscall(2). */
ssize_t pvm_readv(pid_t pid, const struct iovec *lvec, unsigned long liovcnt,
		  const struct iovec *rvec, unsigned long riovcnt,
		  unsigned long flags);
ssize_t pvm_writev(pid_t pid, const struct iovec *lvec, unsigned long liovcnt,
		   const struct iovec *rvec, unsigned long riovcnt,
		   unsigned long flags);
ssize_t pvm(bool write, pid_t pid, const struct iovec *lvec,
	    unsigned long liovcnt, const struct iovec *rvec,
	    unsigned long riovcnt, unsigned long flags);
/* Skip the whole program (exit KSFT_SKIP) if the calls are missing. */
void require_cma(int tests);

const char *errno_name(int err);

/*
 * What a call returned: the whole count, less (a partial transfer, or
 * more than asked: OUT_OTHER), or an error.
 */
enum outcome {
	OUT_FULL, OUT_PARTIAL, OUT_EFAULT, OUT_EINVAL, OUT_ENOMEM, OUT_EPERM,
	OUT_ESRCH, OUT_EBADF, OUT_EAGAIN, OUT_OTHER, NR_OUTCOMES
};

#define OUTCOME(o)	(1u << (o))

enum outcome outcome_of(ssize_t ret, size_t want, int err);
/* Outcome counts, [0] of process_vm_readv, [1] of process_vm_writev. */
void print_outcomes(uint64_t (*n)[NR_OUTCOMES]);

/* Random numbers: xorshift64*, seeded through splitmix64. */
struct rng {
	uint64_t s;
};

uint64_t mix64(uint64_t x);
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); 0 if n is 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* True with probability @percent / 100. */
bool rng_chance(struct rng *r, unsigned int percent);
/* A length in [1, max], biased to small ones (log-uniform). */
size_t rng_len(struct rng *r, size_t max);

/*
 * Split [0, len) into at most @max pieces at random points; writes the
 * piece lengths to @out and returns their number (at least 1 if len > 0).
 */
unsigned int rng_split(struct rng *r, size_t len, size_t *out,
		       unsigned int max);

/* Seconds on CLOCK_MONOTONIC. */
double now(void);
void sleep_us(unsigned long us);

/*
 * fork(); the child dies with its parent (PR_SET_PDEATHSIG), so a failed
 * or killed run leaves nothing behind.  Bails out on failure.
 */
pid_t fork_child(void);
/*
 * The last resort against a hang: SIGALRM, whose default action kills
 * even a process waiting killably in the kernel, @grace seconds after
 * the run's @secs.
 */
void watchdog(double secs, double grace);

/* MAP_SHARED | MAP_ANONYMOUS memory, zeroed; bails out on failure. */
void *shared_alloc(size_t len);
/* MAP_PRIVATE | MAP_ANONYMOUS read-write memory; bails out on failure. */
void *private_alloc(size_t len);

/*
 * waitpid() for at most @secs seconds.  Returns the pid, 0 on timeout,
 * or -1 with errno set.
 */
pid_t wait_timeout(pid_t pid, int *status, double secs);
/* Describe a wait status: "exit 0", "signal 9". */
const char *status_str(int status);

/*
 * Byte @i (0: least significant) of @w.  Patterns are defined byte by byte
 * this way, so they mean the same on either endianness.
 */
static inline uint8_t word_byte(uint64_t w, unsigned int i)
{
	return w >> (8 * i);
}

#endif /* STRESS_H */
