#pragma once

// The host harness of the GPU kernels: it plays a CUDA grid on one CPU thread.
// Blocks run one after the other; inside a block, each phase (the work between
// two barriers) runs for thread 0, 1, ..., n-1 in turn, which is one of the
// interleavings a real block may take. Kernel bodies and drivers are the very
// functions the .cu files launch (gpu/impl/*.h).

#include <cstring>
#include <vector>

#include "gpu/impl/FlatSearch.h"
#include "gpu/impl/HostDevice.h"

namespace faisslike {
namespace gpu {
namespace test {

/// A thread block: run(f) is f(tid) for every thread, then the barrier.
class HostBlock {
   public:
    explicit HostBlock(int threads) : threads_(threads) {}
    int num_threads() const { return threads_; }
    template <class F>
    void run(F&& f) {
        for (int t = 0; t < threads_; t++) {
            f(t);
        }
    }

   private:
    int threads_;
};

/// Runs body for every block of the grid with fresh shared memory, filled
/// with garbage so that a body relying on zeroed shared memory fails.
template <class Body>
void play_grid(kernels::Grid grid, int threads, size_t shared_bytes, const Body& body) {
    std::vector<uint64_t> shared((shared_bytes + 7) / 8 + 1);
    for (unsigned by = 0; by < grid.y; by++) {
        for (unsigned bx = 0; bx < grid.x; bx++) {
            std::memset(shared.data(), 0xa5, shared.size() * sizeof(uint64_t));
            HostBlock block(threads);
            body(block, bx, by, reinterpret_cast<char*>(shared.data()));
        }
    }
}

/// The Backend of the drivers on the host: naive GEMM, played grids, and
/// host vectors for temporary memory.
struct HostBackend {
    int block_threads = 32;
    size_t budget = size_t(64) << 20;
    size_t launches = 0; ///< kernels launched, for tests of the tiling

    template <class T>
    struct Temp {
        std::vector<T> v;
        T* data() { return v.empty() ? nullptr : v.data(); }
    };

    int threads() const { return block_threads; }
    size_t temp_budget() const { return budget; }

    template <class T>
    Temp<T> temp(size_t n) {
        // Garbage, as device memory would be.
        Temp<T> t;
        t.v.resize(n);
        if (n > 0) {
            std::memset(static_cast<void*>(t.v.data()), 0x5a, n * sizeof(T));
        }
        return t;
    }

    void gemm_nt(int m, int n, int d, const float* a, const float* b, float* c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int l = 0; l < d; l++) {
                    s += a[size_t(i) * d + l] * b[size_t(j) * d + l];
                }
                c[size_t(i) * n + j] = s;
            }
        }
    }

    template <class Body>
    void launch(kernels::Grid g, size_t shared_bytes, const Body& body) {
        launches++;
        play_grid(g, block_threads, shared_bytes, body);
    }

    void to_host(void* dst, const void* src, size_t bytes) {
        if (bytes) {
            std::memcpy(dst, src, bytes);
        }
    }
    void to_device(void* dst, const void* src, size_t bytes) {
        if (bytes) {
            std::memcpy(dst, src, bytes);
        }
    }
};

template <class T>
using HostVector = std::vector<T>;

} // namespace test
} // namespace gpu
} // namespace faisslike
