#pragma once

#include <faisslike/gpu/GpuIndexIVF.h>

namespace faisslike {

struct IndexIVFFlat;

namespace gpu {

/// Settings of GpuIndexIVFFlat. Faiss's interleaved list layout is not
/// implemented (lists are stored as in the CPU index); setting it throws.
struct GpuIndexIVFFlatConfig : public GpuIndexIVFConfig {
    bool interleavedLayout = false;
};

/// IVF index with uncompressed vectors on a GPU (Faiss's GpuIndexIVFFlat).
class GpuIndexIVFFlat : public GpuIndexIVF {
   public:
    GpuIndexIVFFlat(GpuResourcesProvider* provider,
                    const faisslike::IndexIVFFlat* index,
                    GpuIndexIVFFlatConfig config = GpuIndexIVFFlatConfig());
    GpuIndexIVFFlat(GpuResourcesProvider* provider,
                    int dims,
                    idx_t nlist,
                    MetricType metric = METRIC_L2,
                    GpuIndexIVFFlatConfig config = GpuIndexIVFFlatConfig());
    ~GpuIndexIVFFlat() override;

    void copyFrom(const faisslike::IndexIVFFlat* index);
    void copyTo(faisslike::IndexIVFFlat* index) const;

    /// Trains the coarse quantizer (k-means with assignments on the GPU).
    void train(idx_t n, const float* x) override;
    void reconstruct_n(idx_t i0, idx_t n, float* out) const override;

   protected:
    kernels::IVFCodec codec_() const override;
};

} // namespace gpu
} // namespace faisslike
