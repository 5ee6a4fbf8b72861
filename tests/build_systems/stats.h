/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef STATS_H
#define STATS_H
#ifdef __cplusplus
extern "C" {
#endif
void stats_bump(void);
long stats_hits(void);
#ifdef __cplusplus
}
#endif
#endif
