// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP task result read by its parent without taskwait
// FLAGS: -fopenmp
// A log reader verifies the records of a few log files: for each record, the
// thread in `single` starts a task that checksums the record header into
// crc[r], counts the words of the record body itself, then compares crc[r]
// with the checksum stored in the file. There is no taskwait before that
// comparison (RACE lines): the parent reads crc[r] while the task, run by
// another thread of the team, is still writing it.
#include <omp.h>

#include "../corpus.h"

#define NFILE 4
#define NREC 24 /* records in all files */
#define HDR 12
#define BODY 48

static unsigned hdr[NREC][HDR];
static unsigned stored_crc[NREC];
static char body[NREC][BODY];
static unsigned crc[NREC];

/* An expensive digest of one word (of a header or a body). */
static unsigned long digest(unsigned long x)
{
	for (int i = 0; i < 16; i++)
		x = crunch(x);
	return x;
}

static unsigned header_crc(const unsigned *h)
{
	unsigned c = 0x811c9dc5u;
	for (int k = 0; k < HDR; k++)
		c = (c ^ (unsigned)digest(h[k])) * 16777619u;
	return c;
}

static int count_words(const char *s)
{
	int words = 0, in_word = 0;
	for (int i = 0; i < BODY && s[i]; i++) {
		int sp = s[i] == ' ';
		if (!sp && !in_word)
			words += (int)(digest((unsigned long)s[i]) & 1) + 1;
		in_word = !sp;
	}
	return words;
}

int main(void)
{
	for (int r = 0; r < NREC; r++) {
		for (int k = 0; k < HDR; k++)
			hdr[r][k] = (unsigned)(r * 2654435761u + k * 40503u);
		/* every fifth record is corrupt */
		stored_crc[r] = header_crc(hdr[r]) + (r % 5 == 4);
		for (int i = 0; i < BODY - 1; i++)
			body[r][i] = (char)((i * 7 + r) % 9 == 0 ? ' ' : 'a' + (i + r) % 26);
		body[r][BODY - 1] = 0;
	}

	int bad = 0, words = 0;
	for (int f = 0; f < NFILE; f++) {
#pragma omp parallel
#pragma omp single
		for (int r = f * NREC / NFILE; r < (f + 1) * NREC / NFILE; r++) {
#pragma omp task firstprivate(r)
			{
				crc[r] = 0x811c9dc5u; /* RACE: the task writes crc[r] */
				for (int k = 0; k < HDR; k++) {
					crc[r] = (crc[r] ^ (unsigned)digest(hdr[r][k])) * 16777619u; /* RACE */
					opaque();
				}
			}
			words += count_words(body[r]);
			if (crc[r] != stored_crc[r]) /* RACE: the parent reads it, no taskwait */
				bad++;
		}
	}
	printf("%d words, %d bad records\n", words, bad);
	return 0;
}
