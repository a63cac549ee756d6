#include <faisslike/utils/blas.h>

namespace faisslike {

void matmul_abt(const float* a, const float* b, float* c, int m, int n, int k,
                float alpha, float beta) {
    if (m == 0 || n == 0) {
        return;
    }
    FINTEGER fm = m, fn = n, fk = k, lda = k, ldb = k, ldc = n;
    // Column-major view: C^T (n x m) = B (n x k, stored as k x n col-major, transposed) * A^T.
    sgemm_("T", "N", &fn, &fm, &fk, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
}

void matmul_ab(const float* a, const float* b, float* c, int m, int n, int k) {
    if (m == 0 || n == 0) {
        return;
    }
    float one = 1.0f, zero = 0.0f;
    FINTEGER fm = m, fn = n, fk = k, lda = k, ldb = n, ldc = n;
    // Column-major view: C^T (n x m) = B^T (n x k) * A^T (k x m).
    sgemm_("N", "N", &fn, &fm, &fk, &one, b, &ldb, a, &lda, &zero, c, &ldc);
}

} // namespace faisslike
