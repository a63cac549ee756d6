#pragma once

#include <faisslike/gpu/GpuIndexIVF.h>
#include <faisslike/impl/ProductQuantizer.h>

namespace faisslike {

struct IndexIVFPQ;

namespace gpu {

/// Settings of GpuIndexIVFPQ (Faiss's GpuIndexIVFPQConfig). float16 lookup
/// tables, the interleaved layout and the GEMM code-distance path are not
/// implemented; setting them throws.
struct GpuIndexIVFPQConfig : public GpuIndexIVFConfig {
    bool useFloat16LookupTables = false;
    /// Precompute the list term of the L2 distance (nlist * M * ksub floats,
    /// Faiss's "term 2"), so a probe costs a table addition instead of a
    /// residual distance table.
    bool usePrecomputedTables = false;
    bool interleavedLayout = false;
    bool useMMCodeDistance = false;
};

/// IVF index with product-quantizer codes on a GPU (Faiss's GpuIndexIVFPQ).
/// Any nbits from 1 to 16 and any M dividing d are accepted; lookup tables
/// live in device memory rather than shared memory, so there is no limit on
/// M * ksub other than memory.
class GpuIndexIVFPQ : public GpuIndexIVF {
   public:
    GpuIndexIVFPQ(GpuResourcesProvider* provider,
                  const faisslike::IndexIVFPQ* index,
                  GpuIndexIVFPQConfig config = GpuIndexIVFPQConfig());
    GpuIndexIVFPQ(GpuResourcesProvider* provider,
                  int dims,
                  idx_t nlist,
                  idx_t subQuantizers,
                  idx_t bitsPerCode,
                  MetricType metric = METRIC_L2,
                  GpuIndexIVFPQConfig config = GpuIndexIVFPQConfig());
    ~GpuIndexIVFPQ() override;

    void copyFrom(const faisslike::IndexIVFPQ* index);
    void copyTo(faisslike::IndexIVFPQ* index) const;

    /// Turns the precomputed table on or off (L2 only; it is ignored for the
    /// inner product, as on the CPU).
    void setPrecomputedCodes(bool enable);
    bool getPrecomputedCodes() const { return usePrecomputedTables_; }
    int getNumSubQuantizers() const { return int(pq.M); }
    int getBitsPerCode() const { return int(pq.nbits); }
    int getCentroidsPerSubQuantizer() const { return int(pq.ksub); }

    /// Trains the coarse quantizer (k-means with GPU assignments), then the
    /// product quantizer on the residuals (on the CPU, as Faiss does).
    void train(idx_t n, const float* x) override;
    void updateQuantizer() override;

    /// The product quantizer; after changing it, call updateQuantizer().
    ProductQuantizer pq;
    /// Encode x - centroid (true, Faiss's only GPU mode) or x.
    bool by_residual = true;

   protected:
    kernels::IVFCodec codec_() const override;
    /// Uploads the PQ centroids and rebuilds the precomputed table.
    void uploadPQ_();

    bool usePrecomputedTables_;
    DeviceVector<float> pqCentroids_;
    DeviceVector<float> term2_;
};

} // namespace gpu
} // namespace faisslike
