// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the test guests.  Runs every program in /tests/ABI/ (in name
 * order, output relayed to the console), counts TAP results, and writes a
 * summary on the results channel named by harness.result= on the kernel
 * command line.  The host trusts only that channel, and only if it ends
 * with a "done" line: a crash or hang can never read as a pass.
 *
 * Results channel, one line each:
 *	prog ABI NAME pass=P fail=F skip=S status=exit:N|signal:N|timeout
 *	abi ABI pass=P fail=F skip=S
 *	done pass=P fail=F skip=S
 * A program counts its TAP "ok"/"not ok" lines ("# SKIP" is a skip).  Its
 * exit status is checked too: a failing status (not 0, not 4 = KSFT_SKIP)
 * with no "not ok" line counts one failure; a program with no TAP lines
 * at all counts one pass (status 0) or skip (status 4).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define KSFT_SKIP 4

struct counts {
	unsigned int pass, fail, skip;
};

static FILE *result;
static unsigned int timeout = 300;	/* seconds per program */

static void power_off(void)
{
	fflush(NULL);
	/*
	 * The results are the verdict: let the UART send its last bytes
	 * before the machine goes (ppce500 lost the "done" line without).
	 */
	if (result)
		tcdrain(fileno(result));
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_AUTOBOOT);	/* QEMU -no-reboot: exit */
	reboot(RB_POWER_OFF);
	fprintf(stderr, "init: reboot: %m; waiting for the host's timeout\n");
	for (;;)
		pause();
}

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "init: FATAL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(errno));
	power_off();
}

static void setup(void)
{
	char cmdline[4096], *arg;
	int fd;

	if (mount("dev", "/dev", "devtmpfs", 0, NULL))
		fatal("mount /dev");
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		fatal("open /dev/console");
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (mount("proc", "/proc", "proc", 0, NULL))
		fatal("mount /proc");
	if (mount("sys", "/sys", "sysfs", 0, NULL))
		fatal("mount /sys");
	if (mount("tmp", "/tmp", "tmpfs", 0, NULL))
		fatal("mount /tmp");

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0 || read(fd, cmdline, sizeof(cmdline) - 1) < 0)
		fatal("read /proc/cmdline");
	cmdline[sizeof(cmdline) - 1] = '\0';
	close(fd);
	for (arg = strtok(cmdline, " \n"); arg; arg = strtok(NULL, " \n")) {
		if (!strncmp(arg, "harness.timeout=", 16))
			timeout = atoi(arg + 16);
		if (strncmp(arg, "harness.result=", 15))
			continue;
		fd = open(arg + 15, O_WRONLY | O_NOCTTY);
		if (fd < 0)
			fatal("open %s", arg + 15);
		if (isatty(fd)) {
			struct termios t;

			tcgetattr(fd, &t);
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
		result = fdopen(fd, "w");
		setvbuf(result, NULL, _IOLBF, 0);
	}
	if (!result)
		fatal("no harness.result= on the command line");
}

/*
 * The CPU the programs run on, as the kernel sees it: CPU 0's block of
 * /proc/cpuinfo (i386-nosse2's console shows its flags without sse2).
 */
static void show_cpu(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f) {
		printf("init: /proc/cpuinfo: %m\n");
		return;
	}
	while (fgets(line, sizeof(line), f) && line[0] != '\n')
		printf("init: cpuinfo: %s", line);
	fclose(f);
}

/*
 * Every program inherits init's environment: the kernel command line's
 * VAR=value words (lib.sh's TEST_ENV among them) and the kernel's HOME
 * and TERM.
 */
static void show_env(void)
{
	extern char **environ;

	printf("init: environment:");
	for (char **e = environ; *e; e++)
		printf(" %s", *e);
	printf("\n");
}

static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(result, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	printf("init: ");
	vprintf(fmt, ap);
	va_end(ap);
}

/* Count one line of a program's output, if it is a TAP result. */
static void tap_line(const char *line, struct counts *c)
{
	if (!strncmp(line, "not ok ", 7))
		c->fail++;
	else if (strncmp(line, "ok ", 3))
		return;
	else if (strstr(line, "# SKIP"))
		c->skip++;
	else
		c->pass++;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Run one program with its output on a pipe: relay it, count it. */
static void run(const char *abi, const char *name, struct counts *total)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct counts c = { 0 };
	char path[512], buf[4096], line[4096], how[32];
	size_t len = 0;
	int pipefd[2], status = 0, timed_out = 0;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "/tests/%s/%s", abi, name);
	printf("init: ==== %s/%s ====\n", abi, name);
	if (pipe(pipefd))
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (!pid) {
		setpgid(0, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(path, path, NULL);
		fprintf(stderr, "init: exec %s: %m\n", path);
		_exit(127);
	}
	setpgid(pid, pid);
	close(pipefd[1]);

	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout);
	for (;;) {
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR) {
			timed_out = 1;
			printf("\ninit: %s/%s: timed out after %us\n", abi, name, timeout);
			kill(-pid, SIGKILL);
			continue;
		}
		if (n <= 0)
			break;
		fwrite(buf, 1, n, stdout);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			tap_line(line, &c);
			len = 0;
		}
	}
	fflush(stdout);
	alarm(0);
	close(pipefd[0]);
	kill(-pid, SIGKILL);	/* anything it left behind */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (timed_out) {
		snprintf(how, sizeof(how), "timeout");
		c.fail++;
	} else if (WIFSIGNALED(status)) {
		snprintf(how, sizeof(how), "signal:%d", WTERMSIG(status));
		c.fail++;
	} else {
		int code = WEXITSTATUS(status);

		snprintf(how, sizeof(how), "exit:%d", code);
		if (code && code != KSFT_SKIP && !c.fail)
			c.fail++;
		else if (!c.pass && !c.fail && !c.skip && code)
			c.skip++;
		else if (!c.pass && !c.fail && !c.skip)
			c.pass++;
	}
	report("prog %s %s pass=%u fail=%u skip=%u status=%s\n",
	       abi, name, c.pass, c.fail, c.skip, how);
	total->pass += c.pass;
	total->fail += c.fail;
	total->skip += c.skip;
}

static int only_visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(void)
{
	struct counts all = { 0 };
	struct dirent **abis, **progs;
	int nabi, nprog;

	setup();
	show_cpu();
	show_env();
	chdir("/tmp");
	nabi = scandir("/tests", &abis, only_visible, alphasort);
	if (nabi < 0)
		fatal("scandir /tests");
	for (int i = 0; i < nabi; i++) {
		const char *abi = abis[i]->d_name;
		struct counts c = { 0 };
		char dir[300];

		snprintf(dir, sizeof(dir), "/tests/%s", abi);
		nprog = scandir(dir, &progs, only_visible, alphasort);
		if (nprog < 0)
			fatal("scandir %s", dir);
		for (int j = 0; j < nprog; j++)
			run(abi, progs[j]->d_name, &c);
		report("abi %s pass=%u fail=%u skip=%u\n", abi, c.pass, c.fail, c.skip);
		all.pass += c.pass;
		all.fail += c.fail;
		all.skip += c.skip;
	}
	report("done pass=%u fail=%u skip=%u\n", all.pass, all.fail, all.skip);
	power_off();
	return 1;
}
