#pragma once

#include <vector>

#include <faisslike/Index.h>

namespace faisslike {

/// The same content held by several indexes (Faiss's IndexReplicas): adds go
/// to every replica, and a search splits its queries into one contiguous
/// block per replica, searched concurrently. Its use is several GPUs
/// holding one index (index_cpu_to_all_gpus); any index type works.
struct IndexReplicas : Index {
    /// Search the replicas from one thread each (else one after the other).
    bool threaded;
    /// Delete the replicas with this index.
    bool own_indices = false;

    explicit IndexReplicas(bool threaded = true);
    explicit IndexReplicas(idx_t d, bool threaded = true);
    /// So that IndexReplicas(8) is the dimension, not the bool.
    explicit IndexReplicas(int d, bool threaded = true) : IndexReplicas(idx_t(d), threaded) {}
    ~IndexReplicas() override;
    IndexReplicas(const IndexReplicas&) = delete;
    IndexReplicas& operator=(const IndexReplicas&) = delete;

    /// Adds a replica (not owned unless own_indices); it must have the
    /// dimension, metric and content of the others.
    void addIndex(Index* index);
    int count() const { return int(replicas_.size()); }
    Index* at(int i) { return replicas_.at(size_t(i)); }
    const Index* at(int i) const { return replicas_.at(size_t(i)); }

    void train(idx_t n, const float* x) override;
    void add(idx_t n, const float* x) override;
    void add_with_ids(idx_t n, const float* x, const idx_t* xids) override;
    void search(idx_t n,
                const float* x,
                idx_t k,
                float* distances,
                idx_t* labels,
                const SearchParameters* params = nullptr) const override;
    void reset() override;
    void reconstruct(idx_t key, float* recons) const override;

   private:
    void sync_header();
    std::vector<Index*> replicas_;
};

} // namespace faisslike
