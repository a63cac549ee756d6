#pragma once

// Inverted-file search and add (GpuIndexIVFFlat, GpuIndexIVFPQ).
//
// Storage: all lists in one array, list l at entries [offsets[l],
// offsets[l + 1]) of `codes` (code_size bytes each) and `ids`.
//
// Search of a tile of queries:
//  1. coarse assignment: brute-force k-NN (FlatSearch.h) with k = nprobe
//     among the centroids, giving each query its lists and coarse distances;
//  2. (PQ) lookup tables of M * ksub entries, per (query, probe) where they
//     depend on the list;
//  3. list scanning, one block per (query, probe): the distance of every
//     entry of the list is written to a scratch row;
//  4. k-selection per query over the entries of its probed lists (ties in
//     distance go to the smaller id, as on the CPU).
// Add: coarse assignment (k = 1), encoding (raw floats, or the PQ code of
// the residual), then a rebuild of the list arrays that appends the new
// entries at the end of their lists, in input order.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "BlockSelect.h"
#include "FlatSearch.h"
#include "HostDevice.h"

namespace faisslike {
namespace gpu {
namespace kernels {

/// Index m of a PQ code packed as a little-endian bit stream of nbits per
/// index (Faiss's layout); reads only the bytes holding its bits.
FAISSLIKE_HD inline uint32_t pq_code_at(const uint8_t* code, int m, int nbits) {
    const int bit = m * nbits;
    const uint8_t* p = code + (bit >> 3);
    const int off = bit & 7;
    uint32_t w = p[0];
    if (off + nbits > 8) {
        w |= uint32_t(p[1]) << 8;
    }
    if (off + nbits > 16) {
        w |= uint32_t(p[2]) << 16;
    }
    return (w >> off) & ((1u << nbits) - 1u);
}

/// How the lookup table of a (query, list) pair is built.
enum class PQTableMode {
    ResidualL2,    ///< |r_m - c_mj|^2 of the residual r = x - y_C
    PrecomputedL2, ///< term2[l] - 2 <x_m, c_mj>, plus the coarse distance
    DirectL2,      ///< |x_m - c_mj|^2 (no residual), same for every list
    InnerProduct,  ///< <x_m, c_mj>, plus <x, y_C> with residuals
};

/// What a scan needs to know about the codes of an index.
struct IVFCodec {
    bool pq = false;           ///< PQ codes (else raw float vectors)
    int d = 0;
    int code_size = 0;
    int M = 0;
    int nbits = 0;
    int ksub = 0;
    int dsub = 0;
    const float* pq_centroids = nullptr; ///< M * ksub * dsub
    bool by_residual = true;
    const float* term2 = nullptr;        ///< nlist * M * ksub, or null

    FAISSLIKE_HD PQTableMode table_mode(bool inner_product) const {
        if (inner_product) {
            return PQTableMode::InnerProduct;
        }
        if (!by_residual) {
            return PQTableMode::DirectL2;
        }
        return term2 ? PQTableMode::PrecomputedL2 : PQTableMode::ResidualL2;
    }
};

FAISSLIKE_HD inline bool table_per_list(PQTableMode mode) {
    return mode == PQTableMode::ResidualL2 || mode == PQTableMode::PrecomputedL2;
}

/// Kernel body: term2[l][m][j] = |c_mj|^2 + 2 <y_C(l)_m, c_mj>, the part of
/// the L2 distance that depends on the list only (Faiss's precomputed table
/// for use_precomputed_table). One block per list.
struct PQTerm2Body {
    const float* centroids; ///< nlist * d coarse centroids
    const float* pq_centroids;
    int M;
    int ksub;
    int dsub;
    float* term2;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char*) const {
        const int nt = b.num_threads();
        const int d = M * dsub;
        const float* yc = centroids + size_t(bx) * d;
        float* out = term2 + size_t(bx) * M * ksub;
        b.run([&](int tid) {
            for (int e = tid; e < M * ksub; e += nt) {
                const int m = e / ksub;
                const float* c = pq_centroids + size_t(e) * dsub;
                const float* y = yc + m * dsub;
                float norm = 0, dot = 0;
                for (int s = 0; s < dsub; s++) {
                    norm += c[s] * c[s];
                    dot += y[s] * c[s];
                }
                out[e] = norm + 2.0f * dot;
            }
        });
    }
};

/// Kernel body: term3[q][m][j] = <x_m, c_mj>, one block per query.
struct PQInnerTableBody {
    const float* xq;
    const float* pq_centroids;
    int M;
    int ksub;
    int dsub;
    float* out; ///< per query M * ksub

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char*) const {
        const int nt = b.num_threads();
        const int d = M * dsub;
        const float* x = xq + size_t(bx) * d;
        float* t = out + size_t(bx) * M * ksub;
        b.run([&](int tid) {
            for (int e = tid; e < M * ksub; e += nt) {
                const int m = e / ksub;
                const float* c = pq_centroids + size_t(e) * dsub;
                const float* xm = x + m * dsub;
                float dot = 0;
                for (int s = 0; s < dsub; s++) {
                    dot += xm[s] * c[s];
                }
                t[e] = dot;
            }
        });
    }
};

/// Kernel body: the lookup table of (query bx, probe by); with a table that
/// does not depend on the list the grid has one probe and `assign` is unused.
struct PQTableBody {
    const float* xq;
    const int64_t* assign; ///< nq * nprobe lists
    int nprobe;
    const float* centroids;
    IVFCodec codec;
    PQTableMode mode;
    const float* term3; ///< per query M * ksub (PrecomputedL2)
    float* tables;      ///< per (query, probe) or per query, M * ksub

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned by, char*) const {
        const int nt = b.num_threads();
        const int M = codec.M, ksub = codec.ksub, dsub = codec.dsub, d = codec.d;
        const size_t tsize = size_t(M) * ksub;
        const bool per_list = table_per_list(mode);
        const int64_t list = per_list ? assign[size_t(bx) * nprobe + by] : -1;
        float* t = tables + (per_list ? (size_t(bx) * nprobe + by) : size_t(bx)) * tsize;
        if (per_list && list < 0) {
            return;
        }
        const float* x = xq + size_t(bx) * d;
        b.run([&](int tid) {
            for (int e = tid; e < int(tsize); e += nt) {
                const int m = e / ksub;
                const float* c = codec.pq_centroids + size_t(e) * dsub;
                const float* xm = x + m * dsub;
                float v = 0;
                switch (mode) {
                    case PQTableMode::ResidualL2: {
                        const float* yc = centroids + size_t(list) * d + m * dsub;
                        for (int s = 0; s < dsub; s++) {
                            const float r = xm[s] - yc[s];
                            const float diff = r - c[s];
                            v += diff * diff;
                        }
                        break;
                    }
                    case PQTableMode::PrecomputedL2:
                        v = codec.term2[size_t(list) * tsize + e] -
                                2.0f * term3[size_t(bx) * tsize + e];
                        break;
                    case PQTableMode::DirectL2:
                        for (int s = 0; s < dsub; s++) {
                            const float diff = xm[s] - c[s];
                            v += diff * diff;
                        }
                        break;
                    case PQTableMode::InnerProduct:
                        for (int s = 0; s < dsub; s++) {
                            v += xm[s] * c[s];
                        }
                        break;
                }
                t[e] = v;
            }
        });
    }
};

/// Kernel body: distances of the entries of list assign[bx][by] to query bx,
/// into scratch[(bx * nprobe + by) * max_len + j].
struct IVFScanBody {
    const float* xq;
    const int64_t* assign;
    const float* coarse_dis;
    int nprobe;
    const int64_t* offsets;
    const uint8_t* codes;
    IVFCodec codec;
    bool inner_product;
    const float* tables; ///< PQ only
    int64_t max_len;
    float* scratch;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned by, char*) const {
        const int nt = b.num_threads();
        const size_t qp = size_t(bx) * nprobe + by;
        const int64_t list = assign[qp];
        if (list < 0) {
            return;
        }
        const int64_t off = offsets[list];
        const int64_t len = offsets[list + 1] - off;
        float* out = scratch + qp * size_t(max_len);
        const int d = codec.d;
        const float* x = xq + size_t(bx) * d;
        if (!codec.pq) {
            b.run([&](int tid) {
                for (int64_t j = tid; j < len; j += nt) {
                    const float* y = reinterpret_cast<const float*>(
                            codes + size_t(off + j) * codec.code_size);
                    float v = 0;
                    if (inner_product) {
                        for (int s = 0; s < d; s++) {
                            v += x[s] * y[s];
                        }
                    } else {
                        for (int s = 0; s < d; s++) {
                            const float diff = x[s] - y[s];
                            v += diff * diff;
                        }
                    }
                    out[j] = v;
                }
            });
            return;
        }
        const PQTableMode mode = codec.table_mode(inner_product);
        const size_t tsize = size_t(codec.M) * codec.ksub;
        const float* t = tables + (table_per_list(mode) ? qp : size_t(bx)) * tsize;
        // The coarse distance is |x - y_C|^2 (L2) or <x, y_C> (IP).
        const bool add_coarse = mode == PQTableMode::PrecomputedL2 ||
                (mode == PQTableMode::InnerProduct && codec.by_residual);
        const float dis0 = add_coarse ? coarse_dis[qp] : 0.0f;
        b.run([&](int tid) {
            for (int64_t j = tid; j < len; j += nt) {
                const uint8_t* code = codes + size_t(off + j) * codec.code_size;
                float v = 0;
                for (int m = 0; m < codec.M; m++) {
                    v += t[size_t(m) * codec.ksub + pq_code_at(code, m, codec.nbits)];
                }
                out[j] = dis0 + v;
            }
        });
    }
};

/// The candidates of one query: every entry of its probed lists, with the
/// distances of the scratch row (entries that `mask` rejects are skipped).
struct IVFRow {
    const int64_t* assign;
    int nprobe;
    const int64_t* offsets;
    const int64_t* ids;
    const uint8_t* mask;
    const float* scratch;
    int64_t max_len;
    bool largest;

    template <class F>
    FAISSLIKE_HD void for_each(int tid, int nt, F&& f) const {
        for (int p = 0; p < nprobe; p++) {
            const int64_t list = assign[p];
            if (list < 0) {
                continue;
            }
            const int64_t off = offsets[list];
            const int64_t len = offsets[list + 1] - off;
            const float* dis = scratch + size_t(p) * max_len;
            for (int64_t j = tid; j < len; j += nt) {
                if (mask && !mask[off + j]) {
                    continue;
                }
                f(dis[j], ids[off + j]);
            }
        }
    }
};

/// Kernel body: block bx selects the k best results of query bx.
struct IVFSelectBody {
    const int64_t* assign;
    int nprobe;
    const int64_t* offsets;
    const int64_t* ids;
    const uint8_t* mask;
    const float* scratch;
    int64_t max_len;
    bool largest;
    int k;
    int chunk;
    float* out_d;
    int64_t* out_i;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char* smem) const {
        IVFRow row;
        row.assign = assign + size_t(bx) * nprobe;
        row.nprobe = nprobe;
        row.offsets = offsets;
        row.ids = ids;
        row.mask = mask;
        row.scratch = scratch + size_t(bx) * nprobe * size_t(max_len);
        row.max_len = max_len;
        row.largest = largest;
        block_select(b, smem, row, k, chunk, out_d + size_t(bx) * k, out_i + size_t(bx) * k);
    }
};

/// Kernel body: PQ code of vector bx (of its residual from its list's
/// centroid when by_residual). Threads first find the nearest centroid of
/// each sub-quantizer (ties: the smaller index), then each writes whole
/// bytes of the code, so no two threads write the same byte.
/// Shared memory: M uint32.
struct PQEncodeBody {
    const float* x;
    const int64_t* list_nos;
    const float* centroids;
    IVFCodec codec;
    uint8_t* codes;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char* smem) const {
        const int nt = b.num_threads();
        uint32_t* idx = reinterpret_cast<uint32_t*>(smem);
        const int d = codec.d, M = codec.M, ksub = codec.ksub, dsub = codec.dsub;
        const float* xi = x + size_t(bx) * d;
        const int64_t list = list_nos[bx];
        const float* yc = codec.by_residual && list >= 0 ? centroids + size_t(list) * d : nullptr;
        b.run([&](int tid) {
            for (int m = tid; m < M; m += nt) {
                uint32_t best = 0;
                float best_dis = 0;
                for (int j = 0; j < ksub; j++) {
                    const float* c = codec.pq_centroids + (size_t(m) * ksub + j) * dsub;
                    float dis = 0;
                    for (int s = 0; s < dsub; s++) {
                        const float r = yc ? xi[m * dsub + s] - yc[m * dsub + s] : xi[m * dsub + s];
                        const float diff = r - c[s];
                        dis += diff * diff;
                    }
                    if (j == 0 || dis < best_dis) {
                        best = uint32_t(j);
                        best_dis = dis;
                    }
                }
                idx[m] = best;
            }
        });
        uint8_t* code = codes + size_t(bx) * codec.code_size;
        const int nbits = codec.nbits;
        b.run([&](int tid) {
            for (int byte = tid; byte < codec.code_size; byte += nt) {
                const int lo = byte * 8;
                uint32_t v = 0;
                for (int m = lo / nbits; m < M && m * nbits < lo + 8; m++) {
                    const int shift = m * nbits - lo;
                    v |= shift >= 0 ? idx[m] << shift : idx[m] >> (-shift);
                }
                code[byte] = uint8_t(v & 0xffu);
            }
        });
    }
};

/// Kernel body: copies the entries of old list bx to their new place.
struct IVFMoveListsBody {
    const int64_t* old_offsets;
    const int64_t* new_offsets;
    const uint8_t* old_codes;
    const int64_t* old_ids;
    int code_size;
    uint8_t* codes;
    int64_t* ids;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char*) const {
        const int nt = b.num_threads();
        const int64_t from = old_offsets[bx];
        const int64_t len = old_offsets[bx + 1] - from;
        const int64_t to = new_offsets[bx];
        b.run([&](int tid) {
            for (int64_t j = tid; j < len; j += nt) {
                const uint8_t* src = old_codes + size_t(from + j) * code_size;
                uint8_t* dst = codes + size_t(to + j) * code_size;
                for (int c = 0; c < code_size; c++) {
                    dst[c] = src[c];
                }
                ids[to + j] = old_ids[from + j];
            }
        });
    }
};

/// Kernel body: writes new entry i (one thread each) at dest[i] (-1: skipped,
/// a vector that could not be assigned).
struct IVFAppendBody {
    const int64_t* dest;
    const uint8_t* new_codes;
    const int64_t* new_ids; ///< null: ids id0 + i
    int64_t id0;
    int64_t n;
    int code_size;
    uint8_t* codes;
    int64_t* ids;

    template <class Block>
    FAISSLIKE_HD void operator()(Block& b, unsigned bx, unsigned, char*) const {
        const int nt = b.num_threads();
        b.run([&](int tid) {
            const int64_t i = int64_t(bx) * nt + tid;
            if (i >= n || dest[i] < 0) {
                return;
            }
            const uint8_t* src = new_codes + size_t(i) * code_size;
            uint8_t* dst = codes + size_t(dest[i]) * code_size;
            for (int c = 0; c < code_size; c++) {
                dst[c] = src[c];
            }
            ids[dest[i]] = new_ids ? new_ids[i] : id0 + i;
        });
    }
};

/// Host bookkeeping of an add: the new list offsets and the position of each
/// new entry (end of its list, in input order; -1 for an unassigned vector).
inline void plan_append(
        const std::vector<int64_t>& old_offsets,
        const std::vector<int64_t>& list_nos,
        std::vector<int64_t>& new_offsets,
        std::vector<int64_t>& dest) {
    const size_t nlist = old_offsets.size() - 1;
    std::vector<int64_t> added(nlist, 0);
    for (int64_t l : list_nos) {
        if (l >= 0) {
            added[size_t(l)]++;
        }
    }
    new_offsets.assign(nlist + 1, 0);
    for (size_t l = 0; l < nlist; l++) {
        new_offsets[l + 1] = new_offsets[l] + (old_offsets[l + 1] - old_offsets[l]) + added[l];
    }
    std::vector<int64_t> next(nlist);
    for (size_t l = 0; l < nlist; l++) {
        next[l] = new_offsets[l] + (old_offsets[l + 1] - old_offsets[l]);
    }
    dest.resize(list_nos.size());
    for (size_t i = 0; i < list_nos.size(); i++) {
        dest[i] = list_nos[i] < 0 ? -1 : next[size_t(list_nos[i])]++;
    }
}

/// Inverted lists in the backend's memory. Buf<T> is an owning array with
/// Buf<T>(n), data() and size() (DeviceVector on the device, std::vector in
/// the host tests).
template <template <class> class Buf>
struct IVFLists {
    int code_size = 0;
    std::vector<int64_t> offsets; ///< host copy, nlist + 1
    Buf<int64_t> d_offsets;       ///< the same, in the backend's memory
    Buf<uint8_t> codes;
    Buf<int64_t> ids;

    int64_t nlist() const { return int64_t(offsets.size()) - 1; }
    int64_t size() const { return offsets.empty() ? 0 : offsets.back(); }
    int64_t list_size(int64_t l) const { return offsets[size_t(l) + 1] - offsets[size_t(l)]; }
    int64_t max_list_size() const {
        int64_t m = 0;
        for (int64_t l = 0; l < nlist(); l++) {
            m = hd_max(m, list_size(l));
        }
        return m;
    }
};

/// The coarse quantizer of an IVF index: centroids in the backend's memory.
struct IVFCoarse {
    const float* centroids = nullptr;
    const float* norms = nullptr; ///< L2 only
    int64_t nlist = 0;
    int d = 0;
    bool inner_product = false;
};

template <class Backend, template <class> class Buf>
void ivf_reset(Backend& be, IVFLists<Buf>& lists, int64_t nlist, int code_size) {
    lists.code_size = code_size;
    lists.offsets.assign(size_t(nlist) + 1, 0);
    lists.d_offsets = Buf<int64_t>(size_t(nlist) + 1);
    be.to_device(lists.d_offsets.data(), lists.offsets.data(), lists.offsets.size() * sizeof(int64_t));
    lists.codes = Buf<uint8_t>(0);
    lists.ids = Buf<int64_t>(0);
}

/// Appends n encoded entries (codes in the backend's memory) to the lists
/// given by list_nos (host array).
template <class Backend, template <class> class Buf>
void ivf_append(
        Backend& be,
        IVFLists<Buf>& lists,
        int64_t n,
        const uint8_t* new_codes,
        const std::vector<int64_t>& list_nos,
        const int64_t* new_ids,
        int64_t id0) {
    if (n == 0) {
        return;
    }
    std::vector<int64_t> new_offsets, dest;
    plan_append(lists.offsets, list_nos, new_offsets, dest);
    const size_t total = size_t(new_offsets.back());
    const int cs = lists.code_size;
    Buf<uint8_t> codes(total * cs);
    Buf<int64_t> ids(total);
    Buf<int64_t> d_new_offsets(new_offsets.size());
    be.to_device(d_new_offsets.data(), new_offsets.data(), new_offsets.size() * sizeof(int64_t));
    auto d_dest = be.template temp<int64_t>(size_t(n));
    be.to_device(d_dest.data(), dest.data(), size_t(n) * sizeof(int64_t));

    const int nt = be.threads();
    Grid g;
    g.x = unsigned(lists.nlist());
    if (lists.size() > 0) {
        be.launch(g, 0, IVFMoveListsBody{lists.d_offsets.data(), d_new_offsets.data(),
                                         lists.codes.data(), lists.ids.data(), cs, codes.data(),
                                         ids.data()});
    }
    g.x = unsigned((n + nt - 1) / nt);
    be.launch(g, 0, IVFAppendBody{d_dest.data(), new_codes, new_ids, id0, n, cs, codes.data(),
                                  ids.data()});
    lists.codes = std::move(codes);
    lists.ids = std::move(ids);
    lists.d_offsets = std::move(d_new_offsets);
    lists.offsets = new_offsets;
}

/// Coarse assignment of n vectors to their nearest list (k = 1).
template <class Backend>
void ivf_assign(
        Backend& be,
        const IVFCoarse& coarse,
        const float* x,
        int64_t n,
        int nprobe,
        float* dis,
        int64_t* lists,
        const FlatSearchTiling& tiling) {
    FlatSearchArgs a;
    a.xb = coarse.centroids;
    a.xb_norms = coarse.norms;
    a.nb = coarse.nlist;
    a.d = coarse.d;
    a.inner_product = coarse.inner_product;
    a.xq = x;
    a.nq = n;
    a.k = nprobe;
    a.distances = dis;
    a.labels = lists;
    a.tiling = tiling;
    flat_search(be, a);
}

/// Encodes and appends n vectors (x and xids in the backend's memory; xids
/// null: ids id0, id0 + 1, ...).
template <class Backend, template <class> class Buf>
void ivf_add(
        Backend& be,
        IVFLists<Buf>& lists,
        const IVFCoarse& coarse,
        const IVFCodec& codec,
        const float* x,
        int64_t n,
        const int64_t* xids,
        int64_t id0,
        const FlatSearchTiling& tiling) {
    if (n == 0) {
        return;
    }
    auto dis = be.template temp<float>(size_t(n));
    auto assign = be.template temp<int64_t>(size_t(n));
    ivf_assign(be, coarse, x, n, 1, dis.data(), assign.data(), tiling);
    std::vector<int64_t> list_nos(static_cast<size_t>(n));
    be.to_host(list_nos.data(), assign.data(), size_t(n) * sizeof(int64_t));
    if (!codec.pq) {
        ivf_append(be, lists, n, reinterpret_cast<const uint8_t*>(x), list_nos, xids, id0);
        return;
    }
    auto codes = be.template temp<uint8_t>(size_t(n) * codec.code_size);
    Grid g;
    g.x = unsigned(n);
    be.launch(g, size_t(codec.M) * sizeof(uint32_t),
              PQEncodeBody{x, assign.data(), coarse.centroids, codec, codes.data()});
    ivf_append(be, lists, n, codes.data(), list_nos, xids, id0);
}

/// Arguments of an IVF search (pointers in the backend's memory).
struct IVFSearchArgs {
    const float* xq = nullptr;
    int64_t nq = 0;
    int k = 1;
    int nprobe = 1;
    const uint8_t* mask = nullptr; ///< one byte per stored entry, null: all
    float* distances = nullptr;
    int64_t* labels = nullptr;
    int64_t query_tile = 0;        ///< 0: from the temporary memory
    FlatSearchTiling coarse_tiling;
    int chunk = kMaxBlockK;
};

template <class Backend, template <class> class Buf>
void ivf_search(
        Backend& be,
        const IVFLists<Buf>& lists,
        const IVFCoarse& coarse,
        const IVFCodec& codec,
        const IVFSearchArgs& a) {
    const bool largest = coarse.inner_product;
    if (a.nq == 0) {
        return;
    }
    const int nprobe = int(hd_min<int64_t>(a.nprobe, coarse.nlist));
    const int64_t max_len = lists.max_list_size();
    if (nprobe == 0 || max_len == 0) {
        launch_pad(be, a.distances, a.labels, a.nq * a.k, largest);
        return;
    }
    const PQTableMode mode = codec.table_mode(coarse.inner_product);
    const size_t tsize = codec.pq ? size_t(codec.M) * codec.ksub : 0;
    const bool per_list = codec.pq && table_per_list(mode);
    int64_t qt = a.query_tile;
    if (qt <= 0) {
        const size_t per_query = size_t(nprobe) * (size_t(max_len) * sizeof(float) + 12 +
                                                    (per_list ? tsize * sizeof(float) : 0)) +
                2 * tsize * sizeof(float);
        qt = hd_max<int64_t>(1, int64_t(be.temp_budget() / 2 / per_query));
    }
    qt = hd_min(qt, a.nq);
    const int chunk = hd_min(a.chunk, kMaxBlockK);

    for (int64_t q0 = 0; q0 < a.nq; q0 += qt) {
        const int64_t nq = hd_min(qt, a.nq - q0);
        const float* xq = a.xq + size_t(q0) * codec.d;
        auto coarse_dis = be.template temp<float>(size_t(nq) * nprobe);
        auto assign = be.template temp<int64_t>(size_t(nq) * nprobe);
        ivf_assign(be, coarse, xq, nq, nprobe, coarse_dis.data(), assign.data(), a.coarse_tiling);

        auto term3 = be.template temp<float>(mode == PQTableMode::PrecomputedL2 ? size_t(nq) * tsize : 0);
        auto tables = be.template temp<float>(size_t(nq) * (per_list ? size_t(nprobe) : 1) * tsize);
        Grid g;
        g.x = unsigned(nq);
        if (codec.pq) {
            if (mode == PQTableMode::PrecomputedL2) {
                be.launch(g, 0, PQInnerTableBody{xq, codec.pq_centroids, codec.M, codec.ksub,
                                                 codec.dsub, term3.data()});
            }
            Grid tg = g;
            tg.y = per_list ? unsigned(nprobe) : 1u;
            be.launch(tg, 0, PQTableBody{xq, assign.data(), nprobe, coarse.centroids, codec, mode,
                                         term3.data(), tables.data()});
        }
        auto scratch = be.template temp<float>(size_t(nq) * nprobe * size_t(max_len));
        Grid sg = g;
        sg.y = unsigned(nprobe);
        be.launch(sg, 0, IVFScanBody{xq, assign.data(), coarse_dis.data(), nprobe,
                                     lists.d_offsets.data(), lists.codes.data(), codec,
                                     coarse.inner_product, tables.data(), max_len,
                                     scratch.data()});
        IVFSelectBody sel;
        sel.assign = assign.data();
        sel.nprobe = nprobe;
        sel.offsets = lists.d_offsets.data();
        sel.ids = lists.ids.data();
        sel.mask = a.mask;
        sel.scratch = scratch.data();
        sel.max_len = max_len;
        sel.largest = largest;
        sel.k = a.k;
        sel.chunk = chunk;
        sel.out_d = a.distances + size_t(q0) * a.k;
        sel.out_i = a.labels + size_t(q0) * a.k;
        be.launch(g, select_shared_bytes(chunk), sel);
    }
}

} // namespace kernels
} // namespace gpu
} // namespace faisslike
