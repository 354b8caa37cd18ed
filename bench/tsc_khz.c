// SPDX-License-Identifier: GPL-2.0
/*
 * tsc_khz - print this x86 machine's TSC rate in kHz, measured against
 * CLOCK_MONOTONIC_RAW over 200 ms.  harness/bench.sh passes it to the TCG
 * guests as tsc_early_khz=: QEMU's guest TSC runs at the host's rate, and
 * the guest kernel cannot calibrate it itself under TCG.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
	double t0 = now(), t;
	unsigned long long c0 = __rdtsc();

	while ((t = now()) - t0 < 0.2)
		;
	printf("%.0f\n", (__rdtsc() - c0) / (t - t0) / 1e3);
	return 0;
}
