/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* A counter the Rust side bumps from two threads, with no lock. */
long csys_hits;

__attribute__((noinline)) void csys_bump(void)
{
	csys_hits = csys_hits + 1;
}

long csys_total(void)
{
	return csys_hits;
}
