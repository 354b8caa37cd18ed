// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak - the last program of a debug run (harness/check-debug.sh
 * installs it so that it sorts after every other one): mounts debugfs,
 * asks kmemleak for a scan, waits, scans again, and prints whatever it
 * reports.  One TAP test: ok if kmemleak reports nothing.
 *
 * Two scans because kmemleak does not report an object whose contents
 * changed since the previous scan, nor one younger than 5 s: the pause
 * lets the last test's allocations age and the second scan confirms.
 *
 *	kmemleak [-w SECONDS]	(pause between the scans, default 6)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define DEBUGFS	"/sys/kernel/debug"
#define KMEMLEAK DEBUGFS "/kmemleak"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	printf("not ok 1 kmemleak # %s: %s\n", what, strerror(errno));
	return 1;
}

static int command(const char *cmd)
{
	double t = now();
	int fd = open(KMEMLEAK, O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		close(fd);
		return -1;
	}
	close(fd);
	printf("# echo %s > %s: %.1f s\n", cmd, KMEMLEAK, now() - t);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int pause = 6, objects = 0;
	char line[512];
	FILE *f;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "w:")) != -1) {
		if (opt != 'w') {
			fprintf(stderr, "usage: %s [-w SECONDS]\n", argv[0]);
			return 2;
		}
		pause = atoi(optarg);
	}
	printf("1..1\n");
	mkdir(DEBUGFS, 0755);
	if (access(KMEMLEAK, F_OK) &&
	    mount("debugfs", DEBUGFS, "debugfs", 0, NULL) && errno != EBUSY)
		return fail("mount debugfs on " DEBUGFS);
	if (access(KMEMLEAK, F_OK))
		return fail("no " KMEMLEAK " (kernel without DEBUG_KMEMLEAK?)");

	if (command("scan"))
		return fail("first scan (kmemleak disabled?)");
	sleep(pause);
	if (command("scan"))
		return fail("second scan");

	f = fopen(KMEMLEAK, "r");
	if (!f)
		return fail("open " KMEMLEAK);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			objects++;
		printf("# %s", line);
	}
	if (ferror(f))
		return fail("read " KMEMLEAK);
	fclose(f);
	if (objects) {
		printf("not ok 1 kmemleak: %u unreferenced objects\n", objects);
		return 1;
	}
	printf("ok 1 kmemleak: no leaks reported after two scans %u s apart\n", pause);
	return 0;
}
