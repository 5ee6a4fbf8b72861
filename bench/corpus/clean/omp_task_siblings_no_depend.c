// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP sibling tasks write the same variable without depend
// FLAGS: -fopenmp
// FIX: `depend(inout: bins)` on both tasks: the tasks that use the scratch
// histogram run one after the other, in the order they were created.
// A sensor logger summarises each frame of two channels: one task per
// channel bins the channel's samples into the shared scratch histogram
// bins[], then finds the median bin. The frame is logged after a taskwait.
#include <omp.h>

#include "../corpus.h"

#define NFRAME 12
#define NSAMP 40
#define NBIN 16

static unsigned char samples[NFRAME][2][NSAMP];
static int bins[NBIN]; /* scratch, shared by all tasks */
static int median[NFRAME][2];

/* The sensor's calibration curve: an offset of 0, 1 or 2 (slow to compute). */
static int calibrate(unsigned char raw)
{
	unsigned long x = raw;
	for (int i = 0; i < 64; i++)
		x = crunch(x);
	return (int)(x % 3);
}

static int median_bin(const unsigned char *s)
{
	for (int b = 0; b < NBIN; b++)
		bins[b] = 0;
	for (int i = 0; i < NSAMP; i++) {
		int b = (calibrate(s[i]) + s[i]) / NBIN;
		bins[b < NBIN ? b : NBIN - 1]++;
		opaque();
	}
	int seen = 0, b = 0;
	while (b < NBIN - 1 && (seen += bins[b]) < NSAMP / 2)
		b++;
	return b;
}

int main(void)
{
	unsigned long seed = 12345;
	for (int f = 0; f < NFRAME; f++)
		for (int c = 0; c < 2; c++)
			for (int i = 0; i < NSAMP; i++) {
				seed = crunch(seed);
				/* channel 0 is bright, channel 1 dim */
				samples[f][c][i] = (unsigned char)((seed >> 40) % (c ? 120 : 250));
			}

	long sum = 0;
#pragma omp parallel
#pragma omp single
	for (int f = 0; f < NFRAME; f++) {
#pragma omp task firstprivate(f) depend(inout: bins)
		median[f][0] = median_bin(samples[f][0]);
#pragma omp task firstprivate(f) depend(inout: bins)
		median[f][1] = median_bin(samples[f][1]);
#pragma omp taskwait
		/* log the frame: a checksum of the medians so far */
		sum = sum * 7 + median[f][0] * 16 + median[f][1];
	}
	printf("median checksum %ld\n", sum);
	return 0;
}
