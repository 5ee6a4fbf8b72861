// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP taskloop accumulating into a shared variable
// FLAGS: -fopenmp
// FIX: `reduction(+: revenue)` on the taskloop: its tasks add into private
// copies, which are summed into `revenue` when the taskloop ends.
// A shop totals its order lines day by day: a taskloop over the day's lines
// prices each line (quantity, unit price, bulk discount, a tax-class lookup)
// and adds it to the global `revenue`.
#include <omp.h>

#include "../corpus.h"

#define DAYS 6
#define LINES 96 /* order lines per day */

static int qty[DAYS][LINES];
static long price[DAYS][LINES]; /* in cents */
static long revenue;            /* of the day being totalled, in cents */
static long day_revenue[DAYS];

/* The tax class of a product: a slow table-less lookup. */
static int tax_class(long price_cents)
{
	unsigned long h = (unsigned long)price_cents;
	for (int i = 0; i < 8; i++)
		h = crunch(h);
	return (int)(h % 3);
}

static long line_total(int d, int i)
{
	static const int tax_pct[3] = {0, 7, 19};
	long v = qty[d][i] * price[d][i];
	if (qty[d][i] >= 10)
		v -= v / 20; /* bulk discount */
	return v + v * tax_pct[tax_class(price[d][i])] / 100;
}

int main(void)
{
	unsigned long seed = 2024;
	for (int d = 0; d < DAYS; d++)
		for (int i = 0; i < LINES; i++) {
			seed = crunch(seed);
			qty[d][i] = 1 + (int)((seed >> 33) % 14);
			price[d][i] = 99 + (long)((seed >> 40) % 5000);
		}

#pragma omp parallel
#pragma omp single
	for (int d = 0; d < DAYS; d++) {
		revenue = 0;
#pragma omp taskloop grainsize(8) reduction(+: revenue)
		for (int i = 0; i < LINES; i++) {
			revenue += line_total(d, i);
			opaque();
		}
		day_revenue[d] = revenue;
	}

	long total = 0;
	for (int d = 0; d < DAYS; d++)
		total += day_revenue[d];
	printf("revenue %ld.%02ld\n", total / 100, total % 100);
	return 0;
}
