#pragma once

#include <functional>
#include <memory>
#include <regex>
#include <string>

#include <faisslike/Index.h>

namespace faisslike {

struct IndexIVF;
struct VectorTransform;

/// Builds an index from a Faiss factory string such as "IVF1024,PQ16",
/// "PCA64,IVF256,Flat", "IDMap,Flat" or "IVF4096,Flat,RFlat" (the grammar grows
/// with each index family). Beyond Faiss: "IVF256,HNSW32_Flat",
/// "IVF256,HNSW32_SQ8", "IVF256,HNSW32_PQ16" build an IndexIVFHNSW (a graph per
/// inverted list; "IVF256,HNSW32" alone means _Flat), unlike
/// "IVF256_HNSW32,Flat" (an HNSW coarse quantizer). The caller owns the result; wrapped indexes are
/// owned by their wrapper. Throws "could not parse index string" naming the
/// offending component and listing the accepted forms.
Index* index_factory(int d, const char* description, MetricType metric = METRIC_L2);

/// The factory string of an index's structure, as Faiss's
/// reverse_index_factory gives it: "IVF1024,PQ16x8", "OPQ16_64,IVF256,PQ16x8",
/// "HNSW32", "HNSW32,SQ8", "IDMap2,Flat", "IVF64,Flat,Refine(Flat)", ...
/// index_factory(d, result, metric) builds the same structure, untrained and
/// empty (the metric and the search settings are not part of the string),
/// except for an IVF over a quantizer that is neither flat nor HNSW: Faiss
/// writes it "IVF<n>(<quantizer>),...", which only its own factory parses.
/// Throws for indexes the grammar cannot name (where Faiss gives an empty
/// string): other types, pre-transform chains that are not exactly one
/// OPQMatrix or PCAMatrix. A whitened PCA gives "PCAW<d>" (Faiss asserts).
std::string reverse_index_factory(const Index* index);

/// A code component of the grammar ("Flat", "PQ16", "SQ8", ...): how vectors
/// are stored standalone and inside the lists of "IVF<n>,<code>". `pattern` is
/// a regular expression matched against the whole component; its groups are
/// passed to the builders. `ivf` may be empty when the code has no IVF form.
struct IndexFactoryCode {
    std::string pattern;
    std::string example;
    std::function<std::unique_ptr<Index>(int d, MetricType metric, const std::smatch& m)> flat;
    std::function<std::unique_ptr<IndexIVF>(Index* quantizer, int d, size_t nlist,
                                            MetricType metric, const std::smatch& m)>
            ivf;
};

/// A pre-transform component ("PCA64", "L2norm", ...); `d` is the input
/// dimension and must be updated to the output dimension.
struct IndexFactoryTransform {
    std::string pattern;
    std::string example;
    std::function<std::unique_ptr<VectorTransform>(int& d, const std::smatch& m)> build;
};

/// Extension points: after registration, the component is accepted in factory
/// strings (later registrations are tried first). Built-in components are
/// registered the same way.
void register_index_factory_code(IndexFactoryCode code);
void register_index_factory_transform(IndexFactoryTransform transform);

} // namespace faisslike
