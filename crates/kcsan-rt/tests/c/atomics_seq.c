/*
 * A long, deterministic sequence of atomic builtins (`__atomic_*`, `__sync_*`,
 * C11 <stdatomic.h>) at 1, 2, 4, 8 and 16 bytes and several memory orders.
 * Every returned value and every intermediate memory value is recorded.
 *
 * The file is compiled twice (see tests/atomics.rs):
 *   - instrumented (-fsanitize=thread, -DSEQ_NAME=seq_instrumented): the
 *     compiler turns every builtin into a __tsan_atomic* call, which kcsan-rt
 *     must check *and perform*;
 *   - plain (-DSEQ_NAME=seq_native): the compiler emits the operations itself.
 * atomics_main.c runs both and requires identical records, so each of our
 * entry points returns exactly what the builtin returns.
 *
 * Recording layout: out[0] = number of values n, out[1..n] = values. Each
 * value takes two slots (low and high 64 bits), so 128-bit values fit.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomics_seq.h"

#ifndef SEQ_NAME
#error "compile with -DSEQ_NAME=seq_instrumented or -DSEQ_NAME=seq_native"
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)

typedef unsigned __int128 u128;

/* ===== Recording ===== */

static uint64_t *g_out;
static uint64_t g_n;

static void rec(u128 v)
{
	if (g_n + 2 > SEQ_MAX_VALUES) {
		fprintf(stderr, "%s: more than %d values recorded\n", STR(SEQ_NAME), SEQ_MAX_VALUES);
		abort();
	}
	g_out[++g_n] = (uint64_t)v;
	g_out[++g_n] = (uint64_t)(v >> 64);
}

#define REC(x) rec((u128)(x))

/* Asserts a value of the kernel's test_atomic_builtins sequence. */
#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s: %s:%d: check failed: %s\n", STR(SEQ_NAME),  \
				__FILE__, __LINE__, #cond);                              \
			exit(2);                                                         \
		}                                                                        \
	} while (0)

/* ===== Objects ===== */

static uint8_t v8;
static uint16_t v16;
static uint32_t v32;
static uint64_t v64;
static u128 v128;

static long test_var;

static _Atomic unsigned char a8;
static _Atomic unsigned short a16;
static _Atomic unsigned int a32;
static _Atomic unsigned long long a64;
static _Atomic u128 a128;
static _Atomic int ai;
static atomic_flag flag = ATOMIC_FLAG_INIT;

#define LOAD(V) __atomic_load_n(&(V), __ATOMIC_SEQ_CST)

/* One `__atomic_compare_exchange_n`: records the result, the expected value
 * as written back, and the memory. */
#define CAS_N(T, V, weak, exp, des, smo, fmo)                                            \
	do {                                                                             \
		T e_ = (T)(exp);                                                         \
		int ok_ = __atomic_compare_exchange_n(&(V), &e_, (T)(des), weak, smo, fmo); \
		REC(ok_);                                                                \
		REC(e_);                                                                 \
		REC(LOAD(V));                                                            \
	} while (0)

/* ===== The sequence for one width ===== */

#define WIDTH_SEQ(T, V, K)                                                               \
	do {                                                                             \
		const T k = (T)(K);                                                      \
		const T ones = (T) ~(T)0;                                                \
		T r, d, e;                                                               \
		int ok;                                                                  \
                                                                                         \
		/* load and store at every legal order */                                \
		__atomic_store_n(&V, k, __ATOMIC_RELAXED);                               \
		REC(__atomic_load_n(&V, __ATOMIC_RELAXED));                              \
		REC(__atomic_load_n(&V, __ATOMIC_CONSUME));                              \
		REC(__atomic_load_n(&V, __ATOMIC_ACQUIRE));                              \
		REC(__atomic_load_n(&V, __ATOMIC_SEQ_CST));                              \
		__atomic_store_n(&V, (T)~k, __ATOMIC_RELEASE);                           \
		REC(LOAD(V));                                                            \
		__atomic_store_n(&V, (T)(k + 1), __ATOMIC_SEQ_CST);                      \
		REC(LOAD(V));                                                            \
                                                                                         \
		/* exchange */                                                           \
		REC(__atomic_exchange_n(&V, k, __ATOMIC_SEQ_CST));                       \
		REC(LOAD(V));                                                            \
		REC(__atomic_exchange_n(&V, (T)0, __ATOMIC_ACQ_REL));                    \
		REC(__atomic_exchange_n(&V, ones, __ATOMIC_ACQUIRE));                    \
		REC(__atomic_exchange_n(&V, (T)1, __ATOMIC_RELEASE));                    \
		REC(__atomic_exchange_n(&V, k, __ATOMIC_RELAXED));                       \
		REC(LOAD(V));                                                            \
                                                                                         \
		/* fetch_op, with wrap-around and carries */                             \
		REC(__atomic_fetch_add(&V, (T)1, __ATOMIC_SEQ_CST));                     \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_add(&V, ones, __ATOMIC_RELAXED));                     \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_add(&V, k, __ATOMIC_ACQ_REL));                        \
		REC(LOAD(V));                                                            \
		__atomic_store_n(&V, (T)(ones >> (sizeof(T) * 4)), __ATOMIC_RELAXED);    \
		REC(__atomic_fetch_add(&V, (T)1, __ATOMIC_SEQ_CST));                     \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_sub(&V, (T)(k * 3), __ATOMIC_RELEASE));               \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_sub(&V, (T)1, __ATOMIC_ACQUIRE));                     \
		REC(LOAD(V));                                                            \
		__atomic_store_n(&V, (T)0, __ATOMIC_RELAXED);                            \
		REC(__atomic_fetch_sub(&V, (T)1, __ATOMIC_SEQ_CST));                     \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_and(&V, k, __ATOMIC_SEQ_CST));                        \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_and(&V, (T)(k >> 3), __ATOMIC_RELAXED));              \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_or(&V, (T)~k, __ATOMIC_ACQ_REL));                     \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_xor(&V, (T)(k << 1), __ATOMIC_RELEASE));              \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_xor(&V, k, __ATOMIC_ACQUIRE));                        \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_nand(&V, k, __ATOMIC_SEQ_CST));                       \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_nand(&V, ones, __ATOMIC_RELAXED));                    \
		REC(LOAD(V));                                                            \
		REC(__atomic_fetch_nand(&V, (T)0, __ATOMIC_ACQ_REL));                    \
		REC(LOAD(V));                                                            \
                                                                                         \
		/* op_fetch: compilers call fetch_op and recompute the new value */     \
		REC(__atomic_add_fetch(&V, (T)3, __ATOMIC_SEQ_CST));                     \
		REC(__atomic_sub_fetch(&V, (T)5, __ATOMIC_RELAXED));                     \
		REC(__atomic_and_fetch(&V, k, __ATOMIC_ACQUIRE));                        \
		REC(__atomic_or_fetch(&V, (T)(k >> 1), __ATOMIC_RELEASE));               \
		REC(__atomic_xor_fetch(&V, (T)~k, __ATOMIC_ACQ_REL));                    \
		REC(__atomic_nand_fetch(&V, k, __ATOMIC_SEQ_CST));                       \
		REC(LOAD(V));                                                            \
                                                                                         \
		/* compare_exchange_n: strong and weak, success and failure */          \
		CAS_N(T, V, 0, LOAD(V), k, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);          \
		CAS_N(T, V, 0, k + 7, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);            \
		CAS_N(T, V, 1, LOAD(V), ~k, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);         \
		CAS_N(T, V, 1, k, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                \
		CAS_N(T, V, 0, LOAD(V), k + 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);      \
		CAS_N(T, V, 0, 0, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);                \
		CAS_N(T, V, 1, LOAD(V), k + 2, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);      \
		CAS_N(T, V, 1, 1, 2, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE);                \
		CAS_N(T, V, 0, LOAD(V), k + 3, __ATOMIC_RELEASE, __ATOMIC_RELAXED);      \
		CAS_N(T, V, 0, ones, 3, __ATOMIC_RELEASE, __ATOMIC_RELAXED);             \
		CAS_N(T, V, 1, LOAD(V), k + 4, __ATOMIC_RELAXED, __ATOMIC_RELAXED);      \
		CAS_N(T, V, 1, ~k, 4, __ATOMIC_RELAXED, __ATOMIC_RELAXED);               \
		CAS_N(T, V, 0, LOAD(V), k + 5, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);      \
		CAS_N(T, V, 1, k, 5, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE);                \
                                                                                         \
		/* the generic (by-pointer) forms */                                     \
		__atomic_load(&V, &r, __ATOMIC_ACQUIRE);                                 \
		REC(r);                                                                  \
		d = (T)(k ^ (ones / 3));                                                 \
		__atomic_store(&V, &d, __ATOMIC_RELEASE);                                \
		REC(LOAD(V));                                                            \
		d = (T)~d;                                                               \
		__atomic_exchange(&V, &d, &r, __ATOMIC_ACQ_REL);                         \
		REC(r);                                                                  \
		REC(LOAD(V));                                                            \
		e = LOAD(V);                                                             \
		d = k;                                                                   \
		ok = __atomic_compare_exchange(&V, &e, &d, 0, __ATOMIC_SEQ_CST,          \
					       __ATOMIC_SEQ_CST);                        \
		REC(ok);                                                                 \
		REC(e);                                                                  \
		REC(LOAD(V));                                                            \
		e = (T)(k + 9);                                                          \
		d = 0;                                                                   \
		ok = __atomic_compare_exchange(&V, &e, &d, 1, __ATOMIC_ACQUIRE,          \
					       __ATOMIC_RELAXED);                        \
		REC(ok);                                                                 \
		REC(e);                                                                  \
		REC(LOAD(V));                                                            \
                                                                                         \
		/* __sync_* (gcc passes its MEMMODEL_SYNC flag in the order) */         \
		__sync_lock_release(&V);                                                 \
		REC(LOAD(V));                                                            \
		REC(__sync_lock_test_and_set(&V, k));                                    \
		REC(__sync_lock_test_and_set(&V, (T)(k + 1)));                           \
		REC(__sync_fetch_and_add(&V, (T)2));                                     \
		REC(__sync_fetch_and_sub(&V, (T)(k >> 2)));                              \
		REC(__sync_fetch_and_or(&V, (T)0x30));                                   \
		REC(__sync_fetch_and_and(&V, (T)~(T)0x101));                             \
		REC(__sync_fetch_and_xor(&V, k));                                        \
		REC(__sync_fetch_and_nand(&V, (T)(k >> 1)));                             \
		REC(LOAD(V));                                                            \
		REC(__sync_add_and_fetch(&V, (T)2));                                     \
		REC(__sync_sub_and_fetch(&V, k));                                        \
		REC(__sync_or_and_fetch(&V, (T)0xc0));                                   \
		REC(__sync_and_and_fetch(&V, (T)~(T)0x1010));                            \
		REC(__sync_xor_and_fetch(&V, (T)~k));                                    \
		REC(__sync_nand_and_fetch(&V, k));                                       \
		REC(__sync_val_compare_and_swap(&V, LOAD(V), k));                        \
		REC(__sync_val_compare_and_swap(&V, (T)(k + 11), (T)0));                 \
		REC(LOAD(V));                                                            \
		REC(__sync_bool_compare_and_swap(&V, k, (T)~k));                         \
		REC(__sync_bool_compare_and_swap(&V, k, (T)0));                          \
		REC(LOAD(V));                                                            \
		__sync_synchronize();                                                    \
	} while (0)

/* ===== The kernel's test_atomic_builtins (kcsan_test.c), values asserted ===== */

static void kernel_sequence(void)
{
	long tmp;

	__atomic_store_n(&test_var, 42L, __ATOMIC_RELAXED);
	CHECK(__atomic_load_n(&test_var, __ATOMIC_RELAXED) == 42L);
	CHECK(__atomic_exchange_n(&test_var, 20, __ATOMIC_RELAXED) == 42L);
	CHECK(test_var == 20L);

	tmp = 20L;
	CHECK(__atomic_compare_exchange_n(&test_var, &tmp, 30L, 0, __ATOMIC_RELAXED,
					  __ATOMIC_RELAXED));
	CHECK(tmp == 20L);
	CHECK(test_var == 30L);
	CHECK(!__atomic_compare_exchange_n(&test_var, &tmp, 40L, 1, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED));
	CHECK(tmp == 30L);
	CHECK(test_var == 30L);

	CHECK(__atomic_fetch_add(&test_var, 1, __ATOMIC_RELAXED) == 30L);
	CHECK(__atomic_fetch_sub(&test_var, 1, __ATOMIC_RELAXED) == 31L);
	CHECK(__atomic_fetch_and(&test_var, 0xf, __ATOMIC_RELAXED) == 30L);
	CHECK(__atomic_fetch_xor(&test_var, 0xf, __ATOMIC_RELAXED) == 14L);
	CHECK(__atomic_fetch_or(&test_var, 0xf0, __ATOMIC_RELAXED) == 1L);
	CHECK(__atomic_fetch_nand(&test_var, 0xf, __ATOMIC_RELAXED) == 241L);
	CHECK(test_var == -2L);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);

	REC(test_var);
	REC(tmp);
}

/* ===== C11 <stdatomic.h> ===== */

#define STDATOMIC_SEQ(T, A, K)                                                           \
	do {                                                                             \
		const T k = (T)(K);                                                      \
		T e;                                                                     \
		atomic_store(&A, K);                                                     \
		REC(A);                                                                  \
		REC(A++);                                                                \
		REC(++A);                                                                \
		REC(A--);                                                                \
		REC(--A);                                                                \
		REC(A += 7);                                                             \
		REC(A -= 100);                                                           \
		REC(A |= 0x30);                                                          \
		REC(A &= 0xff0);                                                         \
		REC(A ^= 0x55);                                                          \
		REC(A *= 3);  /* no fetch_mul: a compare-exchange loop */               \
		REC(A <<= 2); /* likewise */                                             \
		REC(A);                                                                  \
		REC(atomic_load_explicit(&A, memory_order_acquire));                     \
		atomic_store_explicit(&A, k + 1, memory_order_release);                  \
		REC(atomic_load_explicit(&A, memory_order_relaxed));                     \
		REC(atomic_exchange_explicit(&A, k, memory_order_acq_rel));              \
		REC(atomic_fetch_add_explicit(&A, 3, memory_order_relaxed));             \
		REC(atomic_fetch_sub_explicit(&A, 5, memory_order_release));             \
		REC(atomic_fetch_or_explicit(&A, 0x41, memory_order_acquire));           \
		REC(atomic_fetch_and_explicit(&A, 0x7e, memory_order_seq_cst));          \
		REC(atomic_fetch_xor_explicit(&A, 0x3c, memory_order_acq_rel));          \
		e = atomic_load(&A);                                                     \
		REC(atomic_compare_exchange_strong(&A, &e, k + 2));                      \
		REC(e);                                                                  \
		REC(atomic_compare_exchange_strong(&A, &e, k + 3));                      \
		REC(e);                                                                  \
		REC(atomic_compare_exchange_weak_explicit(&A, &e, k + 4, memory_order_release, \
							  memory_order_relaxed));        \
		REC(e);                                                                  \
		e = 1;                                                                   \
		REC(atomic_compare_exchange_weak_explicit(&A, &e, k + 5, memory_order_acq_rel, \
							  memory_order_acquire));        \
		REC(e);                                                                  \
		REC(A);                                                                  \
	} while (0)

static void stdatomic_sequence(void)
{
	STDATOMIC_SEQ(unsigned char, a8, 0xa5);
	STDATOMIC_SEQ(unsigned short, a16, 0xa55a);
	STDATOMIC_SEQ(unsigned int, a32, 0xdeadbeef);
	STDATOMIC_SEQ(unsigned long long, a64, 0xf0e1d2c3b4a59687ULL);
	STDATOMIC_SEQ(u128, a128, ((u128)0x8000000000000001ULL << 64) | 0xfedcba9876543210ULL);

	/* Signed, small values: `_Atomic int x; x++` and friends. */
	ai = 5;
	REC(ai++);
	REC(ai--);
	REC(++ai);
	REC(ai -= 20);
	REC(ai += 3);
	REC(ai *= -3);
	REC(ai /= 2);
	REC(ai);

	REC(atomic_flag_test_and_set(&flag));
	REC(atomic_flag_test_and_set(&flag));
	atomic_flag_clear_explicit(&flag, memory_order_release);
	REC(atomic_flag_test_and_set_explicit(&flag, memory_order_acquire));
	atomic_flag_clear(&flag);
	REC(__atomic_test_and_set(&flag, __ATOMIC_SEQ_CST));
	__atomic_clear(&flag, __ATOMIC_SEQ_CST);

	/* Every order, relaxed included: a relaxed fence must be a no-op, not a
	 * crash. */
	atomic_thread_fence(memory_order_relaxed);
	atomic_thread_fence(memory_order_consume);
	atomic_thread_fence(memory_order_acquire);
	atomic_thread_fence(memory_order_release);
	atomic_thread_fence(memory_order_acq_rel);
	atomic_thread_fence(memory_order_seq_cst);
	atomic_signal_fence(memory_order_relaxed);
	atomic_signal_fence(memory_order_consume);
	atomic_signal_fence(memory_order_acquire);
	atomic_signal_fence(memory_order_release);
	atomic_signal_fence(memory_order_acq_rel);
	atomic_signal_fence(memory_order_seq_cst);
}

/* ===== Entry points ===== */

void SEQ_NAME(uint64_t *out)
{
	g_out = out;
	g_n = 0;

	kernel_sequence();

	WIDTH_SEQ(uint8_t, v8, 0xa5);
	WIDTH_SEQ(uint16_t, v16, 0xa55a);
	WIDTH_SEQ(uint32_t, v32, 0xdeadbeef);
	WIDTH_SEQ(uint64_t, v64, 0xf0e1d2c3b4a59687ULL);
	WIDTH_SEQ(u128, v128, ((u128)0x8000000000000001ULL << 64) | 0xfedcba9876543210ULL);

#ifdef __ATOMIC_HLE_ACQUIRE
	/* x86 lock-elision hints ride in the order argument's upper bits. */
	REC(__atomic_fetch_add(&v32, 1, __ATOMIC_SEQ_CST | __ATOMIC_HLE_ACQUIRE));
	REC(__atomic_exchange_n(&v64, 5, __ATOMIC_ACQUIRE | __ATOMIC_HLE_ACQUIRE));
	__atomic_store_n(&v32, 9, __ATOMIC_RELEASE | __ATOMIC_HLE_RELEASE);
	REC(LOAD(v32));
	REC(LOAD(v64));
#endif

	stdatomic_sequence();

	out[0] = g_n;
}

/* Run by several threads at once: every operation must be atomic. */
void CAT(SEQ_NAME, _hammer)(struct seq_counters *c, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		__atomic_fetch_add(&c->c8, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&c->c16, 1, __ATOMIC_ACQ_REL);
		__atomic_fetch_add(&c->c32, 1, __ATOMIC_SEQ_CST);
		__sync_fetch_and_add(&c->c64, 1);
		__atomic_fetch_add(&c->c128, 1, __ATOMIC_SEQ_CST);

		uint32_t e32 = __atomic_load_n(&c->cas32, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&c->cas32, &e32, e32 + 1, 1, __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED))
			;
		uint64_t e64 = __atomic_load_n(&c->cas64, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&c->cas64, &e64, e64 + 1, 0, __ATOMIC_SEQ_CST,
						    __ATOMIC_ACQUIRE))
			;
		u128 e128 = __atomic_load_n(&c->cas128, __ATOMIC_ACQUIRE);
		u128 seen;
		while ((seen = __sync_val_compare_and_swap(&c->cas128, e128, e128 + 1)) != e128)
			e128 = seen;
	}
}
