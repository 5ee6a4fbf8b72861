/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bench/workloads/sqlite_mt.c - SQLite (from the libsqlite3-sys crate), one
 * database connection shared by several threads in serialized mode.
 *
 * usage: sqlite_mt THREADS OPS
 *
 * One in-memory database opened with SQLITE_OPEN_FULLMUTEX, so SQLite's own
 * mutexes serialize the threads. Each of THREADS threads prepares its own
 * statements and runs OPS operations: an INSERT of a row, a point SELECT by
 * key of a row it inserted earlier, and every 64th operation an aggregate
 * over a key range (an index scan). Prints the row count and a checksum of
 * the selected values, which must match across builds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "sqlite3.h"
#include "text.h"

static sqlite3 *db;
static int ops;
static pthread_mutex_t sum_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long total_sum;

static void check(int rc, int want, const char *what)
{
	if (rc != want) {
		fprintf(stderr, "sqlite_mt: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static void *worker(void *arg)
{
	long id = (long)arg;
	sqlite3_stmt *ins, *sel, *agg;
	check(sqlite3_prepare_v2(db, "INSERT INTO kv(k, v, n) VALUES(?1, ?2, ?3)", -1, &ins, NULL),
	      SQLITE_OK, "prepare insert");
	check(sqlite3_prepare_v2(db, "SELECT v, n FROM kv WHERE k = ?1", -1, &sel, NULL), SQLITE_OK,
	      "prepare select");
	check(sqlite3_prepare_v2(db, "SELECT count(*), sum(n) FROM kv WHERE k BETWEEN ?1 AND ?2 AND (k & 63) = ?3",
				 -1,
				 &agg, NULL),
	      SQLITE_OK, "prepare aggregate");
	unsigned long long sum = 0;
	unsigned char text[48];
	for (int i = 0; i < ops; i++) {
		long long key = (long long)i * 64 + id;
		fill_text(text, sizeof(text) - 1, (uint64_t)key);
		text[sizeof(text) - 1] = 0;
		sqlite3_bind_int64(ins, 1, key);
		sqlite3_bind_text(ins, 2, (const char *)text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, key * 7);
		check(sqlite3_step(ins), SQLITE_DONE, "insert");
		sqlite3_reset(ins);

		long long old = (long long)(i / 2) * 64 + id;
		sqlite3_bind_int64(sel, 1, old);
		check(sqlite3_step(sel), SQLITE_ROW, "select");
		sum += fnv1a(sqlite3_column_text(sel, 0), (size_t)sqlite3_column_bytes(sel, 0), 0) ^
		       (unsigned long long)sqlite3_column_int64(sel, 1);
		sqlite3_reset(sel);

		if (i % 64 == 63) {
			/* Only this thread's keys (k & 63 == id) up to its own last
			 * insert: the result does not depend on the interleaving. */
			sqlite3_bind_int64(agg, 1, (long long)(i - 63) * 64 + id);
			sqlite3_bind_int64(agg, 2, key);
			sqlite3_bind_int64(agg, 3, id);
			check(sqlite3_step(agg), SQLITE_ROW, "aggregate");
			sum += (unsigned long long)sqlite3_column_int64(agg, 1) % 1000003;
			sqlite3_reset(agg);
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	sqlite3_finalize(agg);
	pthread_mutex_lock(&sum_lock);
	total_sum += sum;
	pthread_mutex_unlock(&sum_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sqlite_mt THREADS OPS\n");
		return 2;
	}
	int threads = atoi(argv[1]);
	ops = atoi(argv[2]);
	pthread_t t[64];
	if (threads < 1 || threads > 64 || ops < 1) {
		fprintf(stderr, "sqlite_mt: bad arguments\n");
		return 2;
	}
	check(sqlite3_open_v2(":memory:", &db,
			      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL),
	      SQLITE_OK, "open");
	check(sqlite3_exec(db, "CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT, n INTEGER)", NULL,
			   NULL, NULL),
	      SQLITE_OK, "create");
	check(sqlite3_exec(db, "CREATE INDEX kv_n ON kv(n)", NULL, NULL, NULL), SQLITE_OK, "index");
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	sqlite3_stmt *cnt;
	check(sqlite3_prepare_v2(db, "SELECT count(*) FROM kv", -1, &cnt, NULL), SQLITE_OK, "count");
	check(sqlite3_step(cnt), SQLITE_ROW, "count");
	printf("sqlite_mt: %lld rows, checksum %llx\n", sqlite3_column_int64(cnt, 0), total_sum);
	sqlite3_finalize(cnt);
	sqlite3_close(db);
	return 0;
}
