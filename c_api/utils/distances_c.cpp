#include "distances_c.h"

#include <cmath>

#include <faisslike/utils/distances.h>

extern "C" {

void faiss_pairwise_L2sqr(
        int64_t d,
        int64_t nq,
        const float* xq,
        int64_t nb,
        const float* xb,
        float* dis,
        int64_t ldq,
        int64_t ldb,
        int64_t ldd) {
    if (d <= 0 || nq <= 0 || nb <= 0 || !xq || !xb || !dis) {
        return;
    }
    ldq = ldq < 0 ? d : ldq;
    ldb = ldb < 0 ? d : ldb;
    ldd = ldd < 0 ? nb : ldd;
#pragma omp parallel for if (nq * nb * d > 65536)
    for (int64_t i = 0; i < nq; i++) {
        const float* q = xq + i * ldq;
        float* row = dis + i * ldd;
        if (ldb == d) {
            faisslike::fvec_L2sqr_ny(row, q, xb, size_t(d), size_t(nb));
        } else {
            for (int64_t j = 0; j < nb; j++) {
                row[j] = faisslike::fvec_L2sqr(q, xb + j * ldb, size_t(d));
            }
        }
    }
}

void faiss_pairwise_L2sqr_with_defaults(
        int64_t d,
        int64_t nq,
        const float* xq,
        int64_t nb,
        const float* xb,
        float* dis) {
    faiss_pairwise_L2sqr(d, nq, xq, nb, xb, dis, -1, -1, -1);
}

void faiss_fvec_inner_products_ny(float* ip, const float* x, const float* y, size_t d, size_t ny) {
    if (ny > 0 && ip && x && y) {
        faisslike::fvec_inner_products_ny(ip, x, y, d, ny);
    }
}

void faiss_fvec_L2sqr_ny(float* dis, const float* x, const float* y, size_t d, size_t ny) {
    if (ny > 0 && dis && x && y) {
        faisslike::fvec_L2sqr_ny(dis, x, y, d, ny);
    }
}

float faiss_fvec_norm_L2sqr(const float* x, size_t d) {
    return x ? faisslike::fvec_norm_L2sqr(x, d) : 0.0f;
}

void faiss_fvec_norms_L2(float* norms, const float* x, size_t d, size_t nx) {
    if (nx > 0 && norms && x) {
        faisslike::fvec_norms_L2sqr(norms, x, d, nx);
        for (size_t i = 0; i < nx; i++) {
            norms[i] = std::sqrt(norms[i]);
        }
    }
}

void faiss_fvec_norms_L2sqr(float* norms, const float* x, size_t d, size_t nx) {
    if (nx > 0 && norms && x) {
        faisslike::fvec_norms_L2sqr(norms, x, d, nx);
    }
}

void faiss_fvec_renorm_L2(size_t d, size_t nx, float* x) {
    if (nx > 0 && x) {
        faisslike::fvec_renorm_L2(d, nx, x);
    }
}

} // extern "C"
