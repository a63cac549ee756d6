#include "VectorTransform_c.h"

#include <cstdlib>

#include <faisslike/VectorTransform.h>

#include "c_api_impl.h"

using faisslike::LinearTransform;
using faisslike::VectorTransform;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(VectorTransform)

FAISSLIKE_C_GETTER(VectorTransform, VectorTransform, int, is_trained, is_trained)
FAISSLIKE_C_GETTER(VectorTransform, VectorTransform, int, d_in, d_in)
FAISSLIKE_C_GETTER(VectorTransform, VectorTransform, int, d_out, d_out)

int faiss_VectorTransform_train(FaissVectorTransform* vt, idx_t n, const float* x) {
    return guarded(__func__, [&] { get<VectorTransform>(vt, "vt").train(n, x); });
}

float* faiss_VectorTransform_apply(const FaissVectorTransform* vt, idx_t n, const float* x) {
    return faisslike_c::quiet(__func__, static_cast<float*>(nullptr), [&] {
        const auto& t = get<const VectorTransform>(vt, "vt");
        if (n < 0) {
            throw faisslike_c::ApiError{"n = " + std::to_string(n) + " must be >= 0"};
        }
        // malloc, not new[], so that a C caller may release it with free().
        size_t count = size_t(n) * size_t(t.d_out);
        std::unique_ptr<float, decltype(&std::free)> xt(
                static_cast<float*>(std::malloc(sizeof(float) * (count > 0 ? count : 1))),
                &std::free);
        if (!xt) {
            throw std::bad_alloc();
        }
        t.apply_noalloc(n, x, xt.get());
        return xt.release();
    });
}

void faiss_VectorTransform_apply_noalloc(
        const FaissVectorTransform* vt,
        idx_t n,
        const float* x,
        float* xt) {
    faisslike_c::quiet_void(__func__, [&] {
        get<const VectorTransform>(vt, "vt").apply_noalloc(n, x, xt);
    });
}

void faiss_VectorTransform_reverse_transform(
        const FaissVectorTransform* vt,
        idx_t n,
        const float* xt,
        float* x) {
    faisslike_c::quiet_void(__func__, [&] {
        get<const VectorTransform>(vt, "vt").reverse_transform(n, xt, x);
    });
}

FAISSLIKE_C_DESTRUCTOR(LinearTransform)

void faiss_LinearTransform_transform_transpose(
        const FaissLinearTransform* vt,
        idx_t n,
        const float* y,
        float* x) {
    faisslike_c::quiet_void(__func__, [&] {
        get<const LinearTransform>(vt, "vt").transform_transpose(n, y, x);
    });
}

void faiss_LinearTransform_set_is_orthonormal(FaissLinearTransform* vt) {
    faisslike_c::quiet_void(__func__, [&] { get<LinearTransform>(vt, "vt").set_is_orthonormal(); });
}

FAISSLIKE_C_GETTER(LinearTransform, LinearTransform, int, have_bias, have_bias)
FAISSLIKE_C_GETTER(LinearTransform, LinearTransform, int, is_orthonormal, is_orthonormal)

FAISSLIKE_C_DESTRUCTOR(RandomRotationMatrix)

int faiss_RandomRotationMatrix_new_with(FaissRandomRotationMatrix** p_vt, int d_in, int d_out) {
    return guarded(__func__, [&] {
        put(p_vt, std::make_unique<faisslike::RandomRotationMatrix>(d_in, d_out), "p_vt");
    });
}

FAISSLIKE_C_DESTRUCTOR(PCAMatrix)

int faiss_PCAMatrix_new_with(
        FaissPCAMatrix** p_vt,
        int d_in,
        int d_out,
        float eigen_power,
        int random_rotation) {
    return guarded(__func__, [&] {
        put(p_vt,
            std::make_unique<faisslike::PCAMatrix>(d_in, d_out, eigen_power, random_rotation != 0),
            "p_vt");
    });
}

FAISSLIKE_C_GETTER(PCAMatrix, faisslike::PCAMatrix, float, eigen_power, eigen_power)
FAISSLIKE_C_GETTER(PCAMatrix, faisslike::PCAMatrix, int, random_rotation, random_rotation)
FAISSLIKE_C_GETTER_SETTER(PCAMatrix, faisslike::PCAMatrix, int, balanced_bins, balanced_bins)

FAISSLIKE_C_DESTRUCTOR(OPQMatrix)

int faiss_OPQMatrix_new_with(FaissOPQMatrix** p_vt, int d, int M, int d2) {
    return guarded(__func__, [&] { put(p_vt, std::make_unique<faisslike::OPQMatrix>(d, M, d2), "p_vt"); });
}

FAISSLIKE_C_GETTER_SETTER(OPQMatrix, faisslike::OPQMatrix, int, verbose, verbose)
FAISSLIKE_C_GETTER_SETTER(OPQMatrix, faisslike::OPQMatrix, int, niter, niter)
FAISSLIKE_C_GETTER_SETTER(OPQMatrix, faisslike::OPQMatrix, int, niter_pq, niter_pq)

FAISSLIKE_C_DESTRUCTOR(NormalizationTransform)

int faiss_NormalizationTransform_new_with(FaissNormalizationTransform** p_vt, int d, float norm) {
    return guarded(__func__, [&] {
        put(p_vt, std::make_unique<faisslike::NormalizationTransform>(d, norm), "p_vt");
    });
}

FAISSLIKE_C_GETTER(NormalizationTransform, faisslike::NormalizationTransform, float, norm, norm)

FAISSLIKE_C_DESTRUCTOR(CenteringTransform)

int faiss_CenteringTransform_new_with(FaissCenteringTransform** p_vt, int d) {
    return guarded(__func__, [&] {
        put(p_vt, std::make_unique<faisslike::CenteringTransform>(d), "p_vt");
    });
}

} // extern "C"
