#pragma once

#include <faisslike/Index.h>

namespace faisslike {

/// Builds an index from a Faiss factory string such as "Flat" or "IDMap,Flat"
/// (the grammar grows with each index family). The caller owns the result; wrapped
/// indexes are owned by their wrapper. Throws "could not parse index string" with
/// the offending part and the accepted forms when the string is not understood.
Index* index_factory(int d, const char* description, MetricType metric = METRIC_L2);

} // namespace faisslike
