#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <faisslike/MetricType.h>

namespace faisslike {

/// Encodes each component of a vector on its own (Faiss's ScalarQuantizer):
/// 8, 6 or 4 bits per component over a trained range (one range per
/// dimension, or one shared range for the "uniform" types), or a 16-bit
/// float, or the integer value itself. Codes are byte-for-byte Faiss's.
///
/// An n-bit level c of a component with range [vmin, vmin + vdiff] decodes to
/// vmin + (c + 0.5) / (2^n - 1) * vdiff; encoding takes the level
/// floor((x - vmin) / vdiff * (2^n - 1)) after clamping to the range.
struct ScalarQuantizer {
    /// The numeric values are Faiss's: they are stored in index files. The
    /// underlying type is fixed so that a value read from a file can be held
    /// and rejected with a message.
    enum QuantizerType : int {
        QT_8bit = 0,         ///< 8 bits per component, range per dimension
        QT_4bit = 1,         ///< 4 bits per component, range per dimension
        QT_8bit_uniform = 2, ///< 8 bits, one range for all dimensions
        QT_4bit_uniform = 3, ///< 4 bits, one range for all dimensions
        QT_fp16 = 4,         ///< IEEE half precision float
        QT_8bit_direct = 5,  ///< the value itself as an unsigned byte (0 .. 255)
        QT_6bit = 6,         ///< 6 bits per component, range per dimension
        QT_bf16 = 7,         ///< bfloat16
        QT_8bit_direct_signed = 8, ///< the value itself as a signed byte (-128 .. 127)
    };

    /// How train() picks the range [vmin, vmin + vdiff] from the data
    /// (per dimension, or over all values for the uniform types); rs is
    /// rangestat_arg.
    enum RangeStat : int {
        RS_minmax = 0,    ///< [min - rs * (max - min), max + rs * (max - min)]
        RS_meanstd = 1,   ///< [mean - rs * std, mean + rs * std]
        RS_quantiles = 2, ///< [quantile(rs), quantile(1 - rs)]
        RS_optim = 3,     ///< the grid that minimises the reconstruction error
    };

    QuantizerType qtype = QT_8bit;
    RangeStat rangestat = RS_minmax;
    float rangestat_arg = 0;

    size_t d = 0;         ///< dimension of the vectors
    size_t bits = 0;      ///< bits per component
    size_t code_size = 0; ///< bytes per encoded vector

    /// The trained ranges: vmin[d] then vdiff[d] for the per-dimension types,
    /// {vmin, vdiff} for the uniform ones, empty for the others.
    std::vector<float> trained;

    /// Throws when qtype is not one of the QuantizerType values.
    ScalarQuantizer(size_t d, QuantizerType qtype);
    ScalarQuantizer();

    /// Recomputes bits and code_size from qtype and d.
    void set_derived_sizes();

    /// Whether train() learns anything for this qtype.
    bool needs_training() const;
    /// True once `trained` holds what encoding and decoding need.
    bool is_trained() const;

    /// Learns the ranges from n vectors. Throws on an empty or non-finite
    /// training set; the quantizer is unchanged when it throws.
    void train(size_t n, const float* x);

    /// n vectors (n * d floats) to n * code_size bytes. Values outside the
    /// trained range are clamped; NaN encodes as the lowest level.
    void compute_codes(const float* x, uint8_t* codes, size_t n) const;
    /// n * code_size bytes to n vectors.
    void decode(const uint8_t* codes, float* x, size_t n) const;

    /// Distances from one query to codes, computed on the codes without
    /// decoding them (the inner loop of the scalar-quantizer indexes).
    struct SQDistanceComputer {
        virtual ~SQDistanceComputer() = default;
        /// Makes x (d floats) the query; x need not outlive the call.
        virtual void set_query(const float* x) = 0;
        /// Squared L2 distance, or inner product, from the query to one code.
        virtual float query_to_code(const uint8_t* code) const = 0;
        /// dis[j] = query_to_code(codes + j * code_size) for j < n.
        virtual void query_to_codes(size_t n, const uint8_t* codes, float* dis) const = 0;
    };

    /// A distance computer for METRIC_L2 or METRIC_INNER_PRODUCT (caller owns it).
    SQDistanceComputer* get_distance_computer(MetricType metric = METRIC_L2) const;

   private:
    void check_trained(const char* what) const;
};

} // namespace faisslike
