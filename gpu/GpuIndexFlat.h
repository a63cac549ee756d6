#pragma once

#include <memory>

#include <faisslike/gpu/GpuIndex.h>
#include <faisslike/gpu/utils/DeviceVector.h>

namespace faisslike {

struct IndexFlat;

namespace gpu {

class GpuResourcesProvider;

/// Settings of GpuIndexFlat (Faiss's GpuIndexFlatConfig). The float16 and
/// transposed storage options are not implemented; setting them throws.
struct GpuIndexFlatConfig : public GpuIndexConfig {
    bool useFloat16 = false;
    bool storeTransposed = false;
};

/// Exact search on a GPU (Faiss's GpuIndexFlat): vectors and their squared
/// norms on the device; a search is one cuBLAS GEMM per tile with the norms
/// added during the k-selection. Ids are row numbers, so add_with_ids is not
/// supported. IDSelector filtering (SearchParameters::sel) is.
class GpuIndexFlat : public GpuIndex {
   public:
    GpuIndexFlat(GpuResourcesProvider* provider,
                 const faisslike::IndexFlat* index,
                 GpuIndexFlatConfig config = GpuIndexFlatConfig());
    GpuIndexFlat(std::shared_ptr<GpuResources> resources,
                 const faisslike::IndexFlat* index,
                 GpuIndexFlatConfig config = GpuIndexFlatConfig());
    GpuIndexFlat(GpuResourcesProvider* provider,
                 int dims,
                 MetricType metric,
                 GpuIndexFlatConfig config = GpuIndexFlatConfig());
    GpuIndexFlat(std::shared_ptr<GpuResources> resources,
                 int dims,
                 MetricType metric,
                 GpuIndexFlatConfig config = GpuIndexFlatConfig());
    ~GpuIndexFlat() override;

    /// Replaces the content with the vectors of a CPU index (any dimension).
    void copyFrom(const faisslike::IndexFlat* index);
    /// Writes the content into a CPU index, replacing its own.
    void copyTo(faisslike::IndexFlat* index) const;

    size_t getNumVecs() const { return size_t(ntotal); }

    void reset() override;
    /// No training needed.
    void train(idx_t n, const float* x) override;
    void reconstruct(idx_t key, float* out) const override;
    void reconstruct_n(idx_t i0, idx_t num, float* out) const override;
    void reconstruct_batch(idx_t n, const idx_t* keys, float* out) const override;

    /// The stored vectors and norms in device memory (for the IVF indexes
    /// that use a GpuIndexFlat as coarse quantizer).
    const float* getVectorsDevice() const { return vectors_.data(); }
    const float* getNormsDevice() const { return norms_.data(); }

   protected:
    bool addImplSupportsIDs_() const override { return false; }
    void addImpl_(idx_t n, const float* x, const idx_t* ids) override;
    void searchImpl_(idx_t n,
                     const float* x,
                     int k,
                     float* distances,
                     idx_t* labels,
                     const SearchParameters* params) const override;

    const GpuIndexFlatConfig flatConfig_;
    DeviceVector<float> vectors_; ///< ntotal * d
    DeviceVector<float> norms_;   ///< ntotal squared norms
};

/// GpuIndexFlat with the squared L2 distance.
class GpuIndexFlatL2 : public GpuIndexFlat {
   public:
    GpuIndexFlatL2(GpuResourcesProvider* provider,
                   int dims,
                   GpuIndexFlatConfig config = GpuIndexFlatConfig());
    GpuIndexFlatL2(std::shared_ptr<GpuResources> resources,
                   int dims,
                   GpuIndexFlatConfig config = GpuIndexFlatConfig());
    /// The CPU index must use METRIC_L2.
    GpuIndexFlatL2(GpuResourcesProvider* provider,
                   faisslike::IndexFlat* index,
                   GpuIndexFlatConfig config = GpuIndexFlatConfig());
    void copyFrom(faisslike::IndexFlat* index);
    void copyTo(faisslike::IndexFlat* index);
};

/// GpuIndexFlat with the inner product.
class GpuIndexFlatIP : public GpuIndexFlat {
   public:
    GpuIndexFlatIP(GpuResourcesProvider* provider,
                   int dims,
                   GpuIndexFlatConfig config = GpuIndexFlatConfig());
    GpuIndexFlatIP(std::shared_ptr<GpuResources> resources,
                   int dims,
                   GpuIndexFlatConfig config = GpuIndexFlatConfig());
    /// The CPU index must use METRIC_INNER_PRODUCT.
    GpuIndexFlatIP(GpuResourcesProvider* provider,
                   faisslike::IndexFlat* index,
                   GpuIndexFlatConfig config = GpuIndexFlatConfig());
    void copyFrom(faisslike::IndexFlat* index);
    void copyTo(faisslike::IndexFlat* index);
};

} // namespace gpu
} // namespace faisslike
