#pragma once

// Brute-force k-NN (GpuIndexFlat, and the coarse assignment of the IVF
// indexes): squared norms of the stored vectors are kept, queries are tiled
// by rows, the database by columns; each tile's inner products come from one
// GEMM, and the norm terms ||q||^2 + ||y||^2 - 2 <q, y> are added while the
// tile is k-selected, so no distance matrix is ever written. The best k of
// each column tile is merged with the running best k of the query.
//
// Drivers are templates over a Backend, which runs them on the device
// (DeviceBackend.cuh: cuBLAS + kernel launches) or on the host (the test
// harness: a naive GEMM + the grid played thread by thread). A Backend has
//   int threads() const;                     threads per block
//   size_t temp_budget() const;              temporary bytes it can lend
//   Temp<T> temp<T>(size_t n);               n elements of scratch (RAII, data())
//   void gemm_nt(m, n, d, A, B, C);          C[i*n + j] = <A_i, B_j>, rows of d
//   void launch(Grid, size_t shared_bytes, const Body&);
//   void to_host(dst, src, bytes);  void to_device(dst, src, bytes);

#include <cstddef>
#include <cstdint>

#include "BlockSelect.h"
#include "HostDevice.h"

namespace faisslike {
namespace gpu {
namespace kernels {

/// Tiling of a brute-force search; 0 picks a size from the temporary memory.
struct FlatSearchTiling {
    int64_t query_tile = 0;
    int64_t col_tile = 0;
    /// Results per selection pass, <= kMaxBlockK (smaller values exercise the
    /// multi-pass path in tests).
    int chunk = kMaxBlockK;
};

/// Column tile used when none is given: large enough to amortise the GEMM,
/// small enough that a few hundred queries fit in temporary memory.
constexpr int64_t kDefaultColTile = 16384;

/// Kernel body: out[i] = ||x_i||^2 for n rows of d, one thread per row.
struct RowNormsBody {
    const float* x;
    int64_t n;
    int d;
    float* out;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char*) const {
        const int nt = b.num_threads();
        b.run([&](int tid) {
            const int64_t i = int64_t(bx) * nt + tid;
            if (i >= n) {
                return;
            }
            const float* xi = x + size_t(i) * d;
            float s = 0;
            for (int j = 0; j < d; j++) {
                s += xi[j] * xi[j];
            }
            out[i] = s;
        });
    }
};

/// Kernel body: fills n results with the padding of missing neighbours.
struct PadBody {
    float* d;
    int64_t* ids;
    int64_t n;
    bool largest;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char*) const {
        const int nt = b.num_threads();
        b.run([&](int tid) {
            const int64_t i = int64_t(bx) * nt + tid;
            if (i < n) {
                d[i] = select_padding(largest);
                ids[i] = -1;
            }
        });
    }
};

/// One query's row of a GEMM tile, turned into distances as it is read:
/// L2 = max(||q||^2 + ||y||^2 - 2 <q, y>, 0) (rounding can make the sum
/// slightly negative), IP = <q, y>. `allowed` (one byte per stored vector,
/// null: all) implements IDSelector filtering.
struct FlatTileRow {
    const float* ip;
    const float* ynorm; ///< norms of the tile's columns (L2)
    float qnorm;
    int ncols;
    int64_t col0;
    const uint8_t* allowed;
    bool largest;

    FAISSLIKE_HD float distance(int c) const {
        if (largest) {
            return ip[c];
        }
        return hd_max(qnorm + ynorm[c] - 2.0f * ip[c], 0.0f);
    }

    template <class F>
    FAISSLIKE_HD void for_each(int tid, int nt, F&& f) const {
        for (int c = tid; c < ncols; c += nt) {
            const int64_t id = col0 + c;
            if (allowed && !allowed[id]) {
                continue;
            }
            f(distance(c), id);
        }
    }
};

/// Kernel body: block bx selects the k best of query bx's row in a tile.
struct FlatTileSelectBody {
    const float* ip;      ///< rows of ncols inner products
    const float* qnorms;  ///< per query of the tile (L2), else null
    const float* ynorms;  ///< per column of the tile (L2), else null
    int ncols;
    int64_t col0;
    const uint8_t* allowed;
    bool largest;
    int k;
    int chunk;
    float* out_d;
    int64_t* out_i;
    int out_stride;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char* smem) const {
        FlatTileRow row;
        row.ip = ip + size_t(bx) * ncols;
        row.ynorm = ynorms;
        row.qnorm = largest ? 0.0f : qnorms[bx];
        row.ncols = ncols;
        row.col0 = col0;
        row.allowed = allowed;
        row.largest = largest;
        block_select(b, smem, row, k, chunk, out_d + size_t(bx) * out_stride,
                     out_i + size_t(bx) * out_stride);
    }
};

template <class Backend>
void launch_row_norms(Backend& be, const float* x, int64_t n, int d, float* out) {
    if (n == 0) {
        return;
    }
    const int nt = be.threads();
    Grid g;
    g.x = unsigned((n + nt - 1) / nt);
    be.launch(g, 0, RowNormsBody{x, n, d, out});
}

template <class Backend>
void launch_pad(Backend& be, float* d, int64_t* ids, int64_t n, bool largest) {
    if (n == 0) {
        return;
    }
    const int nt = be.threads();
    Grid g;
    g.x = unsigned((n + nt - 1) / nt);
    be.launch(g, 0, PadBody{d, ids, n, largest});
}

/// Queries per tile: the temporary memory one query needs is its GEMM row,
/// three k-lists (running best twice, tile best) and its norm.
inline int64_t flat_query_tile(
        int64_t requested,
        int64_t nq,
        int64_t col_tile,
        int k,
        size_t budget) {
    if (requested > 0) {
        return hd_min(requested, nq);
    }
    const size_t per_query = size_t(col_tile) * sizeof(float) +
            3 * size_t(k) * (sizeof(float) + sizeof(int64_t)) + sizeof(float);
    const int64_t fit = int64_t(budget / per_query);
    return hd_max<int64_t>(1, hd_min(fit, nq));
}

/// Arguments of a brute-force search; every pointer is in the backend's
/// memory (device memory for the device backend).
struct FlatSearchArgs {
    const float* xb = nullptr;       ///< nb * d stored vectors
    const float* xb_norms = nullptr; ///< their squared norms (L2 only)
    int64_t nb = 0;
    int d = 0;
    bool inner_product = false;
    const float* xq = nullptr;       ///< nq * d queries
    int64_t nq = 0;
    int k = 1;
    const uint8_t* allowed = nullptr; ///< nb bytes, null: all vectors
    float* distances = nullptr;      ///< nq * k
    int64_t* labels = nullptr;       ///< nq * k
    FlatSearchTiling tiling;
};

template <class Backend>
void flat_search(Backend& be, const FlatSearchArgs& a) {
    const bool largest = a.inner_product;
    const int k = a.k;
    if (a.nq == 0) {
        return;
    }
    if (a.nb == 0) {
        launch_pad(be, a.distances, a.labels, a.nq * k, largest);
        return;
    }
    const int64_t ct = a.tiling.col_tile > 0 ? hd_min(a.tiling.col_tile, a.nb)
                                             : hd_min(kDefaultColTile, a.nb);
    const int64_t qt = flat_query_tile(a.tiling.query_tile, a.nq, ct, k, be.temp_budget());
    const int64_t ntiles = (a.nb + ct - 1) / ct;
    const int chunk = hd_min(a.tiling.chunk, kMaxBlockK);
    const size_t smem = select_shared_bytes(chunk);

    for (int64_t q0 = 0; q0 < a.nq; q0 += qt) {
        const int64_t nq = hd_min(qt, a.nq - q0);
        const float* xq = a.xq + size_t(q0) * a.d;
        float* out_d = a.distances + size_t(q0) * k;
        int64_t* out_i = a.labels + size_t(q0) * k;

        auto qnorms = be.template temp<float>(size_t(nq));
        if (!largest) {
            launch_row_norms(be, xq, nq, a.d, qnorms.data());
        }
        auto ip = be.template temp<float>(size_t(nq) * size_t(ct));
        const size_t kl = size_t(nq) * size_t(k);
        auto run_d = be.template temp<float>(2 * kl);
        auto run_i = be.template temp<int64_t>(2 * kl);
        auto tile_d = be.template temp<float>(kl);
        auto tile_i = be.template temp<int64_t>(kl);
        int cur = 0;

        Grid g;
        g.x = unsigned(nq);
        for (int64_t t = 0; t < ntiles; t++) {
            const int64_t c0 = t * ct;
            const int ncols = int(hd_min(ct, a.nb - c0));
            be.gemm_nt(int(nq), ncols, a.d, xq, a.xb + size_t(c0) * a.d, ip.data());
            const bool single = ntiles == 1;
            FlatTileSelectBody body;
            body.ip = ip.data();
            body.qnorms = largest ? nullptr : qnorms.data();
            body.ynorms = largest ? nullptr : a.xb_norms + c0;
            body.ncols = ncols;
            body.col0 = c0;
            body.allowed = a.allowed;
            body.largest = largest;
            body.k = k;
            body.chunk = chunk;
            body.out_d = single ? out_d : (t == 0 ? run_d.data() : tile_d.data());
            body.out_i = single ? out_i : (t == 0 ? run_i.data() : tile_i.data());
            body.out_stride = k;
            be.launch(g, smem, body);
            if (t == 0) {
                continue;
            }
            // Merge the tile's best with the running best (ping-pong, so that
            // no block reads a list another pass of it overwrites).
            const bool last = t == ntiles - 1;
            MergeBody m;
            m.d0 = run_d.data() + cur * kl;
            m.i0 = run_i.data() + cur * kl;
            m.n0 = k;
            m.s0 = k;
            m.d1 = tile_d.data();
            m.i1 = tile_i.data();
            m.n1 = k;
            m.s1 = k;
            m.largest = largest;
            m.k = k;
            m.chunk = chunk;
            m.out_d = last ? out_d : run_d.data() + (1 - cur) * kl;
            m.out_i = last ? out_i : run_i.data() + (1 - cur) * kl;
            m.out_stride = k;
            be.launch(g, smem, m);
            cur = 1 - cur;
        }
    }
}

} // namespace kernels
} // namespace gpu
} // namespace faisslike
