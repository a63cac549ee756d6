/*
 * Helpers shared by the C API tests: checks that stop the program with a
 * message, deterministic data, exact k-NN by brute force.
 */

#ifndef FAISSLIKE_C_TEST_UTIL_H
#define FAISSLIKE_C_TEST_UTIL_H

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* A call that must succeed. */
#define CHECK_OK(call)                                                           \
    do {                                                                         \
        int check_rc_ = (call);                                                  \
        if (check_rc_ != 0) {                                                    \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__,   \
                    #call, check_rc_, faiss_get_last_error());                   \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* A call that must fail with the given code and a message containing text. */
#define CHECK_FAILS(call, code, text)                                            \
    check_fails_((call), (code), (text), #call, __FILE__, __LINE__)

static inline void check_fails_(int rc, int code, const char* text, const char* call,
                         const char* file, int line) {
    const char* message = faiss_get_last_error();
    if (rc != code) {
        fprintf(stderr, "%s:%d: %s returned %d, expected %d (last error: %s)\n", file, line,
                call, rc, code, message ? message : "(none)");
        exit(1);
    }
    if (!message || !strstr(message, text)) {
        fprintf(stderr, "%s:%d: %s: message \"%s\" lacks \"%s\"\n", file, line, call,
                message ? message : "(none)", text);
        exit(1);
    }
}

/* Uniform floats in [0, 1) from a fixed seed (xorshift64*). */
static inline void random_floats(float* x, size_t n, unsigned long long seed) {
    unsigned long long s = seed * 2685821657736338717ULL + 1;
    size_t i;
    for (i = 0; i < n; i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        x[i] = (float)((s * 2685821657736338717ULL) >> 40) / (float)(1ULL << 24);
    }
}

/* n vectors around 20 random centres, the same for every seed (so that
 * queries fall among the database vectors). */
static inline void clustered_floats(float* x, size_t n, int d, unsigned long long seed) {
    float centres[20 * 256];
    size_t i;
    int j;
    CHECK(d <= 256);
    random_floats(centres, (size_t)20 * d, 12345);
    random_floats(x, n * d, seed);
    for (i = 0; i < n; i++) {
        const float* c = centres + (i * 7919 % 20) * d;
        for (j = 0; j < d; j++) {
            x[i * d + j] = c[j] * 4.0f + (x[i * d + j] - 0.5f) * 0.8f;
        }
    }
}

static inline float l2sqr(const float* a, const float* b, int d) {
    float s = 0;
    int j;
    for (j = 0; j < d; j++) {
        float t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

static inline float inner_product(const float* a, const float* b, int d) {
    float s = 0;
    int j;
    for (j = 0; j < d; j++) {
        s += a[j] * b[j];
    }
    return s;
}

/* Distance (L2) or similarity (IP) between a query and a vector. */
static inline float metric_value(FaissMetricType metric, const float* a, const float* b, int d) {
    return metric == METRIC_INNER_PRODUCT ? inner_product(a, b, d) : l2sqr(a, b, d);
}

/* Exact k-NN of nq queries among nb vectors: labels are row numbers, best
 * first (smallest distance for L2, largest similarity for IP). */
static inline void brute_force_knn(FaissMetricType metric, int d, const float* xb, size_t nb,
                            const float* xq, size_t nq, int k, float* dis, idx_t* lab) {
    size_t q, i;
    int j;
    for (q = 0; q < nq; q++) {
        float* D = dis + q * k;
        idx_t* I = lab + q * k;
        for (j = 0; j < k; j++) {
            D[j] = metric == METRIC_INNER_PRODUCT ? -FLT_MAX : FLT_MAX;
            I[j] = -1;
        }
        for (i = 0; i < nb; i++) {
            float v = metric_value(metric, xq + q * d, xb + i * d, d);
            int pos = k;
            while (pos > 0 && (metric == METRIC_INNER_PRODUCT ? v > D[pos - 1] : v < D[pos - 1])) {
                pos--;
            }
            if (pos < k) {
                memmove(D + pos + 1, D + pos, sizeof(float) * (k - pos - 1));
                memmove(I + pos + 1, I + pos, sizeof(idx_t) * (k - pos - 1));
                D[pos] = v;
                I[pos] = (idx_t)i;
            }
        }
    }
}

/* Fraction of the true k nearest neighbours found in the k results. */
static inline double recall_at_k(const idx_t* truth, const idx_t* found, size_t nq, int k) {
    size_t q, hits = 0;
    int a, b;
    for (q = 0; q < nq; q++) {
        for (a = 0; a < k; a++) {
            for (b = 0; b < k; b++) {
                if (truth[q * k + a] == found[q * k + b]) {
                    hits++;
                    break;
                }
            }
        }
    }
    return (double)hits / (double)(nq * k);
}

static inline int close_enough(float a, float b) {
    return fabsf(a - b) <= 1e-4f * (1.0f + fabsf(a) + fabsf(b));
}

#endif
