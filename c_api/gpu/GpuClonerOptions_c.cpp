#include "GpuClonerOptions_c.h"

#include <memory>

#include "gpu_c_impl.h"

using faisslike::gpu::GpuClonerOptions;
using faisslike::gpu::GpuMultipleClonerOptions;
using faisslike_c::guarded;
using faisslike_c::put;

extern "C" {

FAISSLIKE_C_DESTRUCTOR(GpuClonerOptions)
FAISSLIKE_C_DESTRUCTOR(GpuMultipleClonerOptions)

int faiss_GpuClonerOptions_new(FaissGpuClonerOptions** p) {
    return guarded(__func__, [&] { put(p, std::make_unique<GpuClonerOptions>(), "p"); });
}

int faiss_GpuMultipleClonerOptions_new(FaissGpuMultipleClonerOptions** p) {
    return guarded(__func__, [&] {
        put(p, std::unique_ptr<GpuClonerOptions>(std::make_unique<GpuMultipleClonerOptions>()),
            "p");
    });
}

FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, FaissIndicesOptions, indicesOptions,
                          indicesOptions)
FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, int, useFloat16CoarseQuantizer,
                          useFloat16CoarseQuantizer)
FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, int, useFloat16, useFloat16)
FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, int, usePrecomputed, usePrecomputed)
FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, long, reserveVecs, reserveVecs)
FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, int, storeTransposed, storeTransposed)
FAISSLIKE_C_GETTER_SETTER(GpuClonerOptions, GpuClonerOptions, int, verbose, verbose)
FAISSLIKE_C_GETTER_SETTER(GpuMultipleClonerOptions, GpuMultipleClonerOptions, int, shard, shard)

}
