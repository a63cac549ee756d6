/*
 * faisslike C API: scalar-quantized vectors, searched exhaustively
 * (IndexScalarQuantizer) or in inverted lists (IndexIVFScalarQuantizer).
 */

#ifndef FAISS_INDEX_SCALAR_QUANTIZER_C_H
#define FAISS_INDEX_SCALAR_QUANTIZER_C_H

#include "Index_c.h"
#include "faiss_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Faiss's codes, all of them so that code naming any compiles; faisslike
 * implements QT_8bit .. QT_8bit_direct_signed and refuses the others with an
 * error when an index is made. */
typedef enum FaissQuantizerType {
    QT_8bit,         /* 8 bits per component, range per dimension */
    QT_4bit,         /* 4 bits per component, range per dimension */
    QT_8bit_uniform, /* 8 bits, one range for all dimensions */
    QT_4bit_uniform, /* 4 bits, one range for all dimensions */
    QT_fp16,         /* IEEE half precision */
    QT_8bit_direct,  /* the value itself as an unsigned byte */
    QT_6bit,         /* 6 bits per component, range per dimension */
    QT_bf16,         /* bfloat16 */
    QT_8bit_direct_signed, /* the value itself as a signed byte */
    QT_0bit,
    QT_1bit_tqmse,
    QT_2bit_tqmse,
    QT_3bit_tqmse,
    QT_4bit_tqmse,
    QT_8bit_tqmse,
    QT_2bit_tq,
    QT_3bit_tq,
    QT_4bit_tq,
    QT_5bit_tq,
    QT_1bit_eden,
    QT_2bit_eden,
    QT_3bit_eden,
    QT_4bit_eden,
    QT_5bit_eden,
    QT_6bit_eden,
    QT_7bit_eden,
    QT_8bit_eden,
    QT_count
} FaissQuantizerType;

/* How training picks each range; rs is rangestat_arg. */
typedef enum FaissRangeStat {
    RS_minmax,    /* [min - rs * (max - min), max + rs * (max - min)] */
    RS_meanstd,   /* [mean - rs * std, mean + rs * std] */
    RS_quantiles, /* [quantile(rs), quantile(1 - rs)] */
    RS_optim      /* the grid that minimises the reconstruction error */
} FaissRangeStat;

/* The codec of an index, owned by it. */
FAISS_DECLARE_CLASS(ScalarQuantizer)

FAISS_DECLARE_CLASS_INHERITED(IndexScalarQuantizer, Index)

int faiss_IndexScalarQuantizer_new(FaissIndexScalarQuantizer** p_index);

int faiss_IndexScalarQuantizer_new_with(
        FaissIndexScalarQuantizer** p_index,
        idx_t d,
        FaissQuantizerType qt,
        FaissMetricType metric);

FAISS_DECLARE_INDEX_DOWNCAST(IndexScalarQuantizer)
FAISS_DECLARE_DESTRUCTOR(IndexScalarQuantizer)

FAISS_DECLARE_CLASS_INHERITED(IndexIVFScalarQuantizer, Index)
FAISS_DECLARE_INDEX_DOWNCAST(IndexIVFScalarQuantizer)
FAISS_DECLARE_DESTRUCTOR(IndexIVFScalarQuantizer)

int faiss_IndexIVFScalarQuantizer_new(FaissIndexIVFScalarQuantizer** p_index);

/* L2 metric, residuals encoded. The quantizer is not owned unless
 * own_fields is set. */
int faiss_IndexIVFScalarQuantizer_new_with(
        FaissIndexIVFScalarQuantizer** p_index,
        FaissIndex* quantizer,
        idx_t d,
        size_t nlist,
        FaissQuantizerType qt);

/* encode_residual: 1 encodes x - centroid, 0 encodes x. */
int faiss_IndexIVFScalarQuantizer_new_with_metric(
        FaissIndexIVFScalarQuantizer** p_index,
        FaissIndex* quantizer,
        size_t d,
        size_t nlist,
        FaissQuantizerType qt,
        FaissMetricType metric,
        int encode_residual);

/* The same fields as faiss_IndexIVF_*. */
FAISS_DECLARE_GETTER(IndexIVFScalarQuantizer, size_t, nlist)
FAISS_DECLARE_GETTER_SETTER(IndexIVFScalarQuantizer, size_t, nprobe)
FAISS_DECLARE_GETTER(IndexIVFScalarQuantizer, FaissIndex*, quantizer)
FAISS_DECLARE_GETTER_SETTER(IndexIVFScalarQuantizer, int, own_fields)

/* Adds n vectors whose lists are known (precomputed_idx[i], -1 to skip). */
int faiss_IndexIVFScalarQuantizer_add_core(
        FaissIndexIVFScalarQuantizer* index,
        idx_t n,
        const float* x,
        const idx_t* xids,
        const idx_t* precomputed_idx);

/* The codec of the index (NULL if index is not of that class). */
FaissScalarQuantizer* faiss_IndexScalarQuantizer_sq(
        FaissIndexScalarQuantizer* index);

FaissScalarQuantizer* faiss_IndexIVFScalarQuantizer_sq(
        FaissIndexIVFScalarQuantizer* index);

FAISS_DECLARE_GETTER(ScalarQuantizer, FaissQuantizerType, qtype)
/* Bits per component. */
FAISS_DECLARE_GETTER(ScalarQuantizer, size_t, bits)
FAISS_DECLARE_GETTER(ScalarQuantizer, size_t, d)
/* Bytes per encoded vector. */
FAISS_DECLARE_GETTER(ScalarQuantizer, size_t, code_size)
/* Read by the next training. */
FAISS_DECLARE_GETTER_SETTER(ScalarQuantizer, FaissRangeStat, rangestat)
FAISS_DECLARE_GETTER_SETTER(ScalarQuantizer, float, rangestat_arg)

/* The trained ranges: vmin[d] then vdiff[d] for the per-dimension types,
 * {vmin, vdiff} for the uniform ones, none for the others. */
size_t faiss_ScalarQuantizer_trained_size(const FaissScalarQuantizer* sq);

/* Copies the trained_size values to out. */
void faiss_ScalarQuantizer_trained(const FaissScalarQuantizer* sq, float* out);

#ifdef __cplusplus
}
#endif

#endif
