/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "work.h"

long stats_read(void)
{
	return work_counter; /* plain read, no lock */
}
