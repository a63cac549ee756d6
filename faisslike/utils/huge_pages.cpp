#include <faisslike/utils/huge_pages.h>

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace faisslike {

void advise_huge_pages(const void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr uintptr_t kHugePage = uintptr_t(2) << 20;
    // Below this the few TLB entries saved do not pay for the system calls.
    constexpr size_t kMinBytes = size_t(8) << 20;
    if (data == nullptr || bytes < kMinBytes) {
        return;
    }
    uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
    uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
    if (end <= begin) {
        return;
    }
    void* start = reinterpret_cast<void*>(begin);
    if (madvise(start, end - begin, MADV_HUGEPAGE) != 0) {
        return;
    }
    // Value of Linux 6.1's MADV_COLLAPSE, for older headers: older kernels
    // reject it (EINVAL), which only leaves khugepaged to do it later.
    constexpr int kMadvCollapse = 25;
    (void)madvise(start, end - begin, kMadvCollapse);
#else
    (void)data;
    (void)bytes;
#endif
}

} // namespace faisslike
