#pragma once

// The Fortran BLAS / LAPACK entry points faisslike calls (OpenBLAS + LAPACK,
// linked by the build). All matrices are column-major, as Fortran sees them.

extern "C" {

using FINTEGER = int;

int sgemm_(const char* transa, const char* transb, FINTEGER* m, FINTEGER* n, FINTEGER* k,
           const float* alpha, const float* a, FINTEGER* lda, const float* b, FINTEGER* ldb,
           float* beta, float* c, FINTEGER* ldc);

int dgemm_(const char* transa, const char* transb, FINTEGER* m, FINTEGER* n, FINTEGER* k,
           const double* alpha, const double* a, FINTEGER* lda, const double* b, FINTEGER* ldb,
           double* beta, double* c, FINTEGER* ldc);

int dsyev_(const char* jobz, const char* uplo, FINTEGER* n, double* a, FINTEGER* lda,
           double* w, double* work, FINTEGER* lwork, FINTEGER* info);

int dgesvd_(const char* jobu, const char* jobvt, FINTEGER* m, FINTEGER* n, double* a,
            FINTEGER* lda, double* s, double* u, FINTEGER* ldu, double* vt, FINTEGER* ldvt,
            double* work, FINTEGER* lwork, FINTEGER* info);
}

namespace faisslike {

/// Row-major C (m x n) = alpha * A (m x k) * B^T (n x k) + beta * C, through
/// the column-major sgemm (C^T = B * A^T).
void matmul_abt(const float* a, const float* b, float* c, int m, int n, int k,
                float alpha = 1.0f, float beta = 0.0f);

/// Row-major C (m x n) = A (m x k) * B (k x n).
void matmul_ab(const float* a, const float* b, float* c, int m, int n, int k);

} // namespace faisslike
