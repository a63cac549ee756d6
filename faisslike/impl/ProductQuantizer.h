#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <faisslike/Clustering.h>

namespace faisslike {

/// Product quantizer (Faiss's ProductQuantizer): a vector of dimension d is cut
/// into M sub-vectors of dsub = d / M components, and each sub-vector is
/// replaced by the index of its nearest centroid among ksub = 2^nbits learnt by
/// k-means in that sub-space.
///
/// Code layout (Faiss's, so that codes and files are interchangeable): the M
/// indices are written one after the other as a little-endian bit stream of
/// nbits each, code_size = ceil(M * nbits / 8) bytes per vector. With nbits = 8
/// a code is M plain bytes, with nbits = 16 M little-endian uint16.
struct ProductQuantizer {
    size_t d;         ///< dimension of the vectors
    size_t M;         ///< number of sub-quantizers
    size_t nbits;     ///< bits per sub-quantizer index, 1..16
    size_t dsub;      ///< d / M
    size_t ksub;      ///< 2^nbits centroids per sub-quantizer
    size_t code_size; ///< bytes per code
    bool verbose = false;

    /// How train() initialises the centroids (Faiss's values).
    enum train_type_t {
        Train_default,       ///< k-means per sub-space from random points
        Train_hot_start,     ///< k-means per sub-space from the current centroids
        Train_shared,        ///< one codebook trained on all sub-vectors, shared by the M sub-spaces
        Train_hypercube,     ///< hypercube initialisation (not supported)
        Train_hypercube_pca, ///< PCA hypercube initialisation (not supported)
    };
    train_type_t train_type = Train_default;

    /// k-means settings of every sub-quantizer; the training set of each is
    /// sub-sampled to cp.max_points_per_centroid * ksub points.
    ClusteringParameters cp;

    /// M * ksub * dsub floats, laid out (M, ksub, dsub).
    std::vector<float> centroids;

    /// Optional copy of the centroids laid out (dsub, M, ksub), which the table
    /// and encoding kernels read when it is not empty (batch calls build a
    /// temporary one otherwise). As in Faiss it is only filled on request:
    /// after editing `centroids` directly, call sync_transposed_centroids()
    /// again (or clear_transposed_centroids()). train() and set_params() keep
    /// a filled copy in step.
    std::vector<float> transposed_centroids;

    /// Throws unless M > 0, d % M == 0 and 1 <= nbits <= 16.
    ProductQuantizer(size_t d, size_t M, size_t nbits);
    /// An empty quantizer (d = 0, M = 1, nbits = 8), to be filled by a reader.
    ProductQuantizer();

    /// Recomputes dsub, ksub, code_size and sizes `centroids` after d, M or
    /// nbits changed. Throws on invalid values.
    void set_derived_values();

    float* get_centroids(size_t m, size_t i) { return centroids.data() + (m * ksub + i) * dsub; }
    const float* get_centroids(size_t m, size_t i) const {
        return centroids.data() + (m * ksub + i) * dsub;
    }

    /// Replaces the ksub * dsub centroids of sub-quantizer m.
    void set_params(const float* centroids, int m);

    /// Learns the centroids from n vectors. Throws, leaving the centroids
    /// unchanged, when n is smaller than ksub or the data has NaN / infinity.
    void train(size_t n, const float* x);

    /// Code of one vector (code_size bytes). Nearest centroids are found with
    /// exact squared distances; a vector gets the same code alone or in a batch.
    void compute_code(const float* x, uint8_t* code) const;
    /// Codes of n vectors; parallel over the vectors.
    void compute_codes(const float* x, uint8_t* codes, size_t n) const;
    /// Code from a distance table of M * ksub entries (the nearest centroid of
    /// each sub-quantizer is the smallest entry of its row).
    void compute_code_from_distance_table(const float* tab, uint8_t* code) const;

    /// Vector of one code, and of n codes.
    void decode(const uint8_t* code, float* x) const;
    void decode(const uint8_t* code, float* x, size_t n) const;

    /// dis_table[m * ksub + j] = |x_m - c_(m, j)|^2, the M * ksub table of
    /// squared distances between the sub-vectors of x and the centroids.
    void compute_distance_table(const float* x, float* dis_table) const;
    /// dis_table[m * ksub + j] = <x_m, c_(m, j)>.
    void compute_inner_prod_table(const float* x, float* dis_table) const;
    /// The same tables for nx vectors (nx * M * ksub floats); parallel over x.
    void compute_distance_tables(size_t nx, const float* x, float* dis_tables) const;
    void compute_inner_prod_tables(size_t nx, const float* x, float* dis_tables) const;

    /// Asymmetric distances of n codes from a table: dis[i] = sum over m of
    /// table[m * ksub + index_m(code_i)]. With a table of squared distances
    /// this is |x - decode(code_i)|^2 (up to rounding); with inner products,
    /// <x, decode(code_i)>.
    void distances_from_table(const float* table, const uint8_t* codes, size_t n, float* dis) const;
    /// The same for a single code (bit-identical to its value in a batch).
    float distance_from_table(const float* table, const uint8_t* code) const;

    /// Fills transposed_centroids from centroids.
    void sync_transposed_centroids();
    void clear_transposed_centroids();
};

/// Sequential writers and readers of the nbits-wide indices of a code, in
/// Faiss's bit order: index i occupies bits [i * nbits, (i + 1) * nbits) of the
/// code read as a little-endian bit stream.
struct PQEncoderGeneric {
    uint8_t* code;  ///< next byte to complete
    uint8_t offset; ///< bits of *code already used
    const int nbits;
    uint8_t reg;    ///< the byte being filled

    /// Starts at bit `offset` of *code, keeping the bits below it.
    PQEncoderGeneric(uint8_t* code, int nbits, uint8_t offset = 0)
            : code(code),
              offset(offset),
              nbits(nbits),
              reg(offset ? uint8_t(*code & ((1u << offset) - 1)) : 0) {}

    /// Appends x (x < 2^nbits).
    void encode(uint64_t x) {
        uint64_t bits = uint64_t(reg) | (x << offset);
        int total = offset + nbits;
        for (; total >= 8; total -= 8) {
            *code++ = uint8_t(bits);
            bits >>= 8;
        }
        reg = uint8_t(bits);
        offset = uint8_t(total);
    }

    /// Writes the last, partial byte.
    ~PQEncoderGeneric() {
        if (offset > 0) {
            *code = reg;
        }
    }
};

struct PQEncoder8 {
    uint8_t* code;
    PQEncoder8(uint8_t* code, int) : code(code) {}
    void encode(uint64_t x) { *code++ = uint8_t(x); }
};

struct PQEncoder16 {
    uint8_t* code;
    PQEncoder16(uint8_t* code, int) : code(code) {}
    void encode(uint64_t x) {
        code[0] = uint8_t(x);
        code[1] = uint8_t(x >> 8);
        code += 2;
    }
};

struct PQDecoderGeneric {
    const uint8_t* code; ///< byte holding the next bit
    uint8_t offset;      ///< position of the next bit in *code
    const int nbits;

    PQDecoderGeneric(const uint8_t* code, int nbits) : code(code), offset(0), nbits(nbits) {}

    /// Reads the next index; touches only the bytes that hold its bits.
    uint64_t decode() {
        uint64_t v = 0;
        int got = 0;
        while (got < nbits) {
            int take = std::min(8 - int(offset), nbits - got);
            v |= uint64_t((*code >> offset) & ((1u << take) - 1)) << got;
            got += take;
            offset = uint8_t(offset + take);
            if (offset == 8) {
                code++;
                offset = 0;
            }
        }
        return v;
    }
};

struct PQDecoder8 {
    static constexpr int nbits = 8;
    const uint8_t* code;
    PQDecoder8(const uint8_t* code, int) : code(code) {}
    uint64_t decode() { return *code++; }
};

struct PQDecoder16 {
    static constexpr int nbits = 16;
    const uint8_t* code;
    PQDecoder16(const uint8_t* code, int) : code(code) {}
    uint64_t decode() {
        uint64_t v = uint64_t(code[0]) | uint64_t(code[1]) << 8;
        code += 2;
        return v;
    }
};

} // namespace faisslike
