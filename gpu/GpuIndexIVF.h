#pragma once

#include <memory>
#include <vector>

#include <faisslike/Clustering.h>
#include <faisslike/gpu/GpuIndex.h>
#include <faisslike/gpu/GpuIndexFlat.h>
#include <faisslike/gpu/GpuIndicesOptions.h>
#include <faisslike/gpu/impl/GpuKernels.h>

namespace faisslike {

struct IndexIVF;

namespace gpu {

/// Settings of the GPU IVF indexes (Faiss's GpuIndexIVFConfig).
struct GpuIndexIVFConfig : public GpuIndexConfig {
    IndicesOptions indicesOptions = INDICES_64_BIT;
    /// Settings of the coarse quantizer.
    GpuIndexFlatConfig flatConfig;
};

/// Base of GpuIndexIVFFlat and GpuIndexIVFPQ (Faiss's GpuIndexIVF): a
/// GpuIndexFlat coarse quantizer and the inverted lists on the device.
/// Supports add_with_ids and IDSelector filtering; nprobe (or
/// SearchParametersIVF::nprobe) may go up to nlist.
class GpuIndexIVF : public GpuIndex {
   public:
    GpuIndexIVF(std::shared_ptr<GpuResources> resources,
                int dims,
                MetricType metric,
                idx_t nlist,
                GpuIndexIVFConfig config);
    ~GpuIndexIVF() override;

    /// Number of inverted lists.
    size_t nlist;
    /// Lists visited per query.
    size_t nprobe = 1;
    /// k-means settings of the coarse quantizer.
    ClusteringParameters cp;
    /// The coarse quantizer (owned by the index).
    GpuIndexFlat* quantizer;

    idx_t getNumLists() const { return idx_t(nlist); }
    idx_t getListLength(idx_t listId) const;
    /// The user ids of a list.
    std::vector<idx_t> getListIndices(idx_t listId) const;
    /// The codes of a list, in the CPU index's format.
    std::vector<uint8_t> getListVectorData(idx_t listId, bool gpuFormat = false) const;

    /// Reloads what the index derives from the quantizer's centroids (call
    /// after changing the quantizer directly).
    virtual void updateQuantizer();

    void reset() override;

   protected:
    /// The coarse quantizer, lists and header of a CPU IVF index.
    void copyFromIVF_(const faisslike::IndexIVF* index, int code_size);
    /// The same into a CPU IVF index (quantizer replaced by an IndexFlat
    /// it owns, lists by ArrayInvertedLists).
    void copyToIVF_(faisslike::IndexIVF* index) const;
    /// k-means of the coarse centroids, assignments done on the GPU.
    void trainQuantizer_(idx_t n, const float* x);

    bool addImplSupportsIDs_() const override { return true; }
    void addImpl_(idx_t n, const float* x, const idx_t* ids) override;
    void searchImpl_(idx_t n,
                     const float* x,
                     int k,
                     float* distances,
                     idx_t* labels,
                     const SearchParameters* params) const override;

    /// How the entries are encoded.
    virtual kernels::IVFCodec codec_() const = 0;
    kernels::IVFCoarse coarse_() const;
    void checkList_(idx_t listId) const;

    const GpuIndexIVFConfig ivfConfig_;
    std::unique_ptr<GpuIndexFlat> quantizerOwned_;
    DeviceIVFLists lists_;
};

} // namespace gpu
} // namespace faisslike
