#pragma once

#include <memory>

#include <faisslike/Index.h>
#include <faisslike/gpu/GpuResources.h>

namespace faisslike {
namespace gpu {

/// Settings shared by every GPU index (Faiss's GpuIndexConfig).
struct GpuIndexConfig {
    /// The CUDA device holding the index.
    int device = 0;
    /// Where the index keeps its data. Only MemorySpace::Device is supported.
    MemorySpace memorySpace = MemorySpace::Device;
};

/// Base of the GPU indexes (Faiss's GpuIndex). search / add accept vectors
/// in host memory or in the memory of the index's device, and results are
/// written to either. k has no upper limit: above 2048 (Faiss's limit) the
/// selection runs in several passes.
///
/// A GPU index is written to a file as its CPU counterpart (write_index
/// converts it with index_gpu_to_cpu); read the file and call
/// index_cpu_to_gpu to get it back on a device.
class GpuIndex : public faisslike::Index {
   public:
    GpuIndex(std::shared_ptr<GpuResources> resources,
             int dims,
             MetricType metric,
             float metricArg,
             GpuIndexConfig config);

    int getDevice() const { return config_.device; }
    std::shared_ptr<GpuResources> getResources() { return resources_; }

    void add(idx_t n, const float* x) override;
    void add_with_ids(idx_t n, const float* x, const idx_t* ids) override;
    void search(idx_t n,
                const float* x,
                idx_t k,
                float* distances,
                idx_t* labels,
                const SearchParameters* params = nullptr) const override;

    /// Header fields (d, metric, ntotal, is_trained) from / to a CPU index.
    void copyFrom(const faisslike::Index* index);
    void copyTo(faisslike::Index* index) const;

   protected:
    /// Whether add_with_ids is supported (flat indexes number their rows).
    virtual bool addImplSupportsIDs_() const = 0;
    /// x and ids (ids may be null) are in device memory.
    virtual void addImpl_(idx_t n, const float* x, const idx_t* ids) = 0;
    /// x, distances and labels are in device memory.
    virtual void searchImpl_(idx_t n,
                             const float* x,
                             int k,
                             float* distances,
                             idx_t* labels,
                             const SearchParameters* params) const = 0;

    cudaStream_t stream() const;

    std::shared_ptr<GpuResources> resources_;
    const GpuIndexConfig config_;
};

} // namespace gpu
} // namespace faisslike
