// Device instantiation of the brute-force search (logic in FlatSearch.h).

#include <faisslike/gpu/impl/DeviceBackend.cuh>
#include <faisslike/gpu/impl/FlatSearch.h>
#include <faisslike/gpu/impl/GpuKernels.h>

namespace faisslike {
namespace gpu {

void runRowNorms(GpuResources* res, int device, const float* x, int64_t n, int d, float* out) {
    kernels::DeviceBackend be(res, device);
    kernels::launch_row_norms(be, x, n, d, out);
}

void runFlatSearch(GpuResources* res, int device, const kernels::FlatSearchArgs& args) {
    kernels::DeviceBackend be(res, device);
    kernels::flat_search(be, args);
}

} // namespace gpu
} // namespace faisslike
