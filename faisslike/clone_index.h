#pragma once

#include <faisslike/Index.h>

namespace faisslike {

/// A deep copy sharing nothing with the original (sub-indexes, quantizers and
/// transforms are copied too, and owned by the copy). The caller owns it.
Index* clone_index(const Index* index);

} // namespace faisslike
