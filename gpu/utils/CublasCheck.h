#pragma once

#include <cublas_v2.h>

#include <faisslike/impl/FaisslikeException.h>

/// Throws FaisslikeException naming the cuBLAS status when `X` fails.
#define FAISSLIKE_CUBLAS_CHECK(X)                                             \
    do {                                                                      \
        const cublasStatus_t faisslike_blas_st_ = (X);                        \
        FAISSLIKE_THROW_IF_NOT_FMT(                                           \
                faisslike_blas_st_ == CUBLAS_STATUS_SUCCESS,                  \
                "cuBLAS error %d (%s) in %s",                                 \
                static_cast<int>(faisslike_blas_st_),                         \
                cublasGetStatusString(faisslike_blas_st_),                    \
                #X);                                                          \
    } while (false)
