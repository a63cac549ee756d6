#pragma once

// The C++ classes behind the GPU handles (see ../c_api_impl.h). Not installed.

#include <faisslike/gpu/GpuClonerOptions.h>
#include <faisslike/gpu/GpuCloner.h>
#include <faisslike/gpu/GpuResources.h>

#include "../c_api_impl.h"
#include "GpuClonerOptions_c.h"
#include "GpuResources_c.h"

namespace faisslike_c {

template <>
struct Root<FaissGpuResourcesProvider_H> {
    using type = faisslike::gpu::GpuResourcesProvider;
};

template <>
struct Root<FaissGpuClonerOptions_H> {
    using type = faisslike::gpu::GpuClonerOptions;
};

} // namespace faisslike_c
