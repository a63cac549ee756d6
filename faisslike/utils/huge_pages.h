#pragma once

#include <cstddef>

namespace faisslike {

/// Asks the OS to back the whole 2 MiB pages inside [data, data + bytes) with
/// huge pages, now for the pages already touched (Linux MADV_COLLAPSE) and on
/// first touch for the others (MADV_HUGEPAGE). Graph searches read scattered
/// rows of large arrays, where 4 KiB pages cost a TLB miss per row; huge pages
/// remove most of them. Advice only: ranges under a few MiB, kernels without
/// the calls, file mappings the kernel refuses and any error leave the memory
/// as it was.
void advise_huge_pages(const void* data, size_t bytes);

} // namespace faisslike
