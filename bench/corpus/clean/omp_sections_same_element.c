// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP sections updating the same array element
// FLAGS: -fopenmp
// FIX: both sections increment by_class[] with `#pragma omp atomic`.
// A web server's hourly report: two sections scan the GET log and the POST
// log of each hour at the same time. Each filters out bot requests and
// counts the others per status class (2xx, 3xx, ...) in the shared array
// by_class[].
#include <omp.h>

#include "../corpus.h"

#define HOURS 4
#define NREQ 64 /* requests per log per hour */

struct req {
	short status;
	unsigned agent; /* user-agent id */
	int bytes;
};

static struct req get_log[HOURS][NREQ], post_log[HOURS][NREQ];
static long by_class[6]; /* requests per status class, 1xx..5xx */
static long bytes_out[2];

/* Known crawlers, recognised by a hash of their user-agent string. */
static int is_bot(unsigned agent)
{
	unsigned long h = agent;
	for (int i = 0; i < 6; i++)
		h = crunch(h);
	return (h >> 60) == 0;
}

static void fill(struct req *r, unsigned long *seed, int post)
{
	*seed = crunch(*seed);
	unsigned long x = *seed >> 20;
	r->status = (short)(x % 10 < 7 ? 200 : x % 10 == 7 ? 304 : post ? 500 : 404);
	r->agent = (unsigned)(x >> 8) % 500;
	r->bytes = (int)((x >> 16) % 20000);
}

int main(void)
{
	unsigned long seed = 31;
	for (int h = 0; h < HOURS; h++)
		for (int i = 0; i < NREQ; i++) {
			fill(&get_log[h][i], &seed, 0);
			fill(&post_log[h][i], &seed, 1);
		}

	for (int h = 0; h < HOURS; h++) {
#pragma omp parallel sections
		{
#pragma omp section
			for (int i = 0; i < NREQ; i++) {
				const struct req *r = &get_log[h][i];
				if (is_bot(r->agent))
					continue;
#pragma omp atomic
				by_class[r->status / 100]++;
				bytes_out[0] += r->bytes;
			}
#pragma omp section
			for (int i = 0; i < NREQ; i++) {
				const struct req *r = &post_log[h][i];
				if (is_bot(r->agent))
					continue;
#pragma omp atomic
				by_class[r->status / 100]++;
				bytes_out[1] += r->bytes;
			}
		}
	}
	printf("2xx %ld, 3xx %ld, 4xx %ld, 5xx %ld, %ld bytes\n", by_class[2],
	       by_class[3], by_class[4], by_class[5], bytes_out[0] + bytes_out[1]);
	return 0;
}
