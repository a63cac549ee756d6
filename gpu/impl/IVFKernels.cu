// Device instantiation of IVF add and search (logic in IVFKernels.h).

#include <faisslike/gpu/impl/DeviceBackend.cuh>
#include <faisslike/gpu/impl/GpuKernels.h>
#include <faisslike/gpu/impl/IVFKernels.h>

namespace faisslike {
namespace gpu {

void runIVFReset(GpuResources* res, int device, DeviceIVFLists& lists, int64_t nlist,
                 int code_size) {
    kernels::DeviceBackend be(res, device);
    kernels::ivf_reset(be, lists, nlist, code_size);
}

void runIVFAdd(GpuResources* res, int device, DeviceIVFLists& lists,
               const kernels::IVFCoarse& coarse, const kernels::IVFCodec& codec, const float* x,
               int64_t n, const int64_t* xids, int64_t id0) {
    kernels::DeviceBackend be(res, device);
    kernels::ivf_add(be, lists, coarse, codec, x, n, xids, id0, kernels::FlatSearchTiling{});
}

void runIVFSearch(GpuResources* res, int device, const DeviceIVFLists& lists,
                  const kernels::IVFCoarse& coarse, const kernels::IVFCodec& codec,
                  const kernels::IVFSearchArgs& args) {
    kernels::DeviceBackend be(res, device);
    kernels::ivf_search(be, lists, coarse, codec, args);
}

void runPQTerm2(GpuResources* res, int device, const float* centroids, int64_t nlist,
                const float* pq_centroids, int M, int ksub, int dsub, float* term2) {
    if (nlist == 0) {
        return;
    }
    kernels::DeviceBackend be(res, device);
    kernels::Grid g;
    g.x = unsigned(nlist);
    be.launch(g, 0, kernels::PQTerm2Body{centroids, pq_centroids, M, ksub, dsub, term2});
}

} // namespace gpu
} // namespace faisslike
